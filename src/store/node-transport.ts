/**
 * A transport for @upstash/redis on Node: the same Upstash REST requests, sent with Node's own HTTP
 * client over kept-alive connections instead of `fetch`. Measured here, `fetch` costs about four times
 * the CPU per request (its web-streams machinery), and the state store sends one request per token
 * refresh. Commands, scripts, errors and replies stay the library's; only the bytes travel differently.
 * It is a `Requester`, the library's public interface for this (see ./upstash-commands.ts). One attempt per
 * request, bounded by `timeoutMs`, replies as sent (no `Upstash-Encoding: base64` asked for).
 * Node only: the Node entries pass it in (src/runtime/node-deps.ts); Workers keep the library's fetch.
 */
import http from "node:http";
import https from "node:https";
import { errors, type Requester, type UpstashRequest, type UpstashResponse } from "@upstash/redis";

/**
 * The Node transport for one Upstash database.
 * @example const transport = nodeUpstashTransport({ url, token, timeoutMs: 2000 });
 */
export function nodeUpstashTransport(opts: { url: string; token: string; timeoutMs: number }): Requester {
  const base = new URL(opts.url);
  const client = base.protocol === "https:" ? https : http;
  const agent = new client.Agent({ keepAlive: true, maxSockets: 64 });
  const basePath = base.pathname.replace(/\/$/, "");
  const transport: Requester = {
    readYourWrites: true,
    upstashSyncToken: "",
    request<TResult>(req: UpstashRequest) {
      const body = JSON.stringify(req.body);
      const path = [basePath, ...(req.path ?? [])].join("/") || "/";
      return new Promise<UpstashResponse<TResult>>((resolve, reject) => {
        const request = client.request(
          {
            protocol: base.protocol,
            hostname: base.hostname,
            port: base.port,
            path: path.startsWith("/") ? path : `/${path}`,
            method: "POST",
            agent,
            timeout: opts.timeoutMs,
            headers: {
              ...req.headers,
              "Content-Type": "application/json",
              "Content-Length": Buffer.byteLength(body),
              Authorization: `Bearer ${opts.token}`,
              "upstash-sync-token": transport.upstashSyncToken ?? "",
            },
          },
          (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => (text += chunk));
            res.on("error", reject);
            res.on("end", () => {
              const sync = res.headers["upstash-sync-token"];
              if (typeof sync === "string") transport.upstashSyncToken = sync;
              let parsed: UpstashResponse<TResult>;
              try {
                parsed = JSON.parse(text) as UpstashResponse<TResult>;
              } catch (cause) {
                reject(new errors.UpstashJSONParseError(text, { cause }));
                return;
              }
              // As the library's own client: a non-2xx answer is an error carrying the server's message.
              if ((res.statusCode ?? 500) >= 300) reject(new errors.UpstashError(`${parsed.error}, command was: ${body}`));
              else resolve(parsed);
            });
          },
        );
        request.on("timeout", () => request.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
        request.on("error", reject);
        request.end(body);
      });
    },
  };
  return transport;
}
