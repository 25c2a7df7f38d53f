/**
 * What every browser test starts before its first page and stops after its last: a temp dir, the real
 * Node server (`src/node.ts`) running in it on a free port with the dev login on and listening on
 * 127.0.0.1 only, and Chromium (page-checks.ts). Each test file still says its own env — the rules, the
 * rate limit, the platforms — so what a file's pages run under is read in that file.
 *
 * @example
 * let pages: PageServer;
 * beforeAll(async () => {
 *   if (!hasChromium) return;
 *   pages = await startPageServer({ prefix: "authbridge-consent-", env: { AUTHBRIDGE_RULES: RULES } });
 *   ({ issuer, browser } = pages);
 * }, 60_000);
 * afterAll(() => pages?.stop());
 */
import type { Browser } from "playwright-core";
import { openDatabase, type Database } from "../../src/db/client";
import { startNodeServer, type NodeServer } from "../support/node-server";
import { freePort, tempDir } from "../support/temp";
import { launchChromium } from "./page-checks";

/** A running server for a browser test, the browser that visits it, and how to stop both. */
export interface PageServer {
  /** `http://localhost:<port>`: the server's AUTHBRIDGE_ISSUER, and where the browser opens its pages. */
  issuer: string;
  /** Chromium, headless. */
  browser: Browser;
  /** The server process and its output so far. */
  server: NodeServer;
  /** The server's working directory: its database is `.data/authbridge.db` in it. */
  dir: string;
  /**
   * Run `use` on the server's own database file (to set up what a console would, or read what the pages
   * stored), closing it afterwards.
   * @example const id = await pages.withDatabase(async (db) => (await createClient(db, { name: "Web" })).client.id);
   */
  withDatabase<T>(use: (db: Database) => Promise<T>): Promise<T>;
  /** Close the browser, stop the server, remove the directory: the whole of a file's afterAll. */
  stop(): Promise<void>;
}

/**
 * Start the server in a new temp dir named `prefix…`, with AUTHBRIDGE_ISSUER, AUTHBRIDGE_DEV_LOGIN=1 and
 * HOST=127.0.0.1 and then `env` (which wins where it names the same variable), and launch Chromium. What
 * started is stopped again if a later step fails, so a failed start leaves nothing running.
 *
 * The rate limit is the server's own unless `env` raises it: a file whose tests click through many pages
 * in several variants sets RATE_LIMIT_PER_MINUTE there, and says why beside it.
 * @example const pages = await startPageServer({ prefix: "authbridge-design-", env: { LOG_FORMAT: "json" } });
 */
export async function startPageServer(opts: { prefix: string; env?: Record<string, string> }): Promise<PageServer> {
  const dir = tempDir(opts.prefix);
  let server: NodeServer | undefined;
  let browser: Browser | undefined;
  const stop = async () => {
    try {
      await browser?.close();
    } finally {
      try {
        await server?.stop();
      } finally {
        dir.remove();
      }
    }
  };
  try {
    const port = await freePort();
    const issuer = `http://localhost:${port}`;
    server = await startNodeServer({ cwd: dir.path, port, env: { AUTHBRIDGE_ISSUER: issuer, AUTHBRIDGE_DEV_LOGIN: "1", HOST: "127.0.0.1", ...opts.env } });
    browser = await launchChromium();
    const url = `file:${dir.path}/.data/authbridge.db`;
    return {
      issuer,
      browser,
      server,
      dir: dir.path,
      async withDatabase(use) {
        const { db, client } = openDatabase({ url });
        try {
          return await use(db);
        } finally {
          client.close();
        }
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
