/**
 * The dependencies as the Node entries build them (server and CLI): the embedded state store when no
 * Upstash is configured, and the socket's peer address. Node only; Workers use `buildDeps` directly.
 */
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Config } from "../config";
import type { AppDeps } from "../deps";
import type { Logger } from "../lib/log";
import { createEmbeddedStore } from "../store/embedded";
import { nodeUpstashTransport } from "../store/node-transport";
import { buildDeps, type RuntimeHooks } from "./build-deps";
import { nodeClientReader } from "./node-client-reader";
import { nodeDocumentFetch } from "./node-document-fetch";

/**
 * Build the app's dependencies for Node; `hooks` override the Node defaults (tests: a clock, prefixes, a
 * peer address from a header).
 * @example const deps = buildNodeDeps(config, consoleLogger);
 */
export function buildNodeDeps(config: Config, logger: Logger, hooks: RuntimeHooks = {}): AppDeps {
  return buildDeps(config, logger, {
    // Requests that did not come through @hono/node-server (app.request in tests) have no socket.
    directIp: (c) => {
      try {
        return getConnInfo(c).remote.address;
      } catch {
        return undefined;
      }
    },
    embeddedStore: (url, now) => createEmbeddedStore({ url, now }),
    upstashTransport: nodeUpstashTransport,
    clientReader: nodeClientReader,
    metadataDocumentFetch: nodeDocumentFetch(),
    ...hooks,
  });
}
