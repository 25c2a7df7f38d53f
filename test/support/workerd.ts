/**
 * Runs the Workers build of the app in a real workerd (through miniflare, which ships with wrangler) for
 * tests. The worker is bundled the way wrangler bundles it (esbuild, workerd/worker/browser conditions,
 * ESM) so that a Node-only import shows up here exactly as it would on deploy.
 *
 * Outbound `fetch` from workerd to 127.0.0.1 (sqld, the Upstash bridge) works as is: miniflare's implicit
 * "internet" service allows public and private (incl. loopback) addresses.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";
import { Log, LogLevel, Miniflare } from "miniflare";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The Workers entry point. */
export const WORKER_ENTRY = join(ROOT, "src/worker.ts");

/** Result of {@link bundleWorker}. */
export interface WorkerBundle {
  /** Absolute path of the bundled ES module. */
  path: string;
  /** esbuild's metafile: every input and import, for the no-Node-imports check. */
  metafile: Metafile;
}

/** Another worker's source to bundle instead of `src/worker.ts` (resolved from the repo root). */
export interface WorkerSource {
  contents: string;
  sourcefile: string;
}

/**
 * Bundle `src/worker.ts` (or `source`) to one ES module. `node:*` imports are left external (not an error) so a test can
 * see and name them instead of failing inside esbuild.
 * @example const { path, metafile } = await bundleWorker(join(dir, "worker.js"));
 */
export async function bundleWorker(outfile: string, source?: WorkerSource): Promise<WorkerBundle> {
  const result = await build({
    ...(source ? { stdin: { contents: source.contents, sourcefile: source.sourcefile, resolveDir: ROOT, loader: "ts" as const } } : { entryPoints: [WORKER_ENTRY] }),
    absWorkingDir: ROOT,
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    external: ["node:*"],
    jsx: "automatic",
    jsxImportSource: "hono/jsx",
    metafile: true,
    logLevel: "silent",
  });
  return { path: outfile, metafile: result.metafile };
}

/** Compatibility date and flags from wrangler.toml, so tests run what `wrangler dev` runs. */
export function wranglerCompat(): { compatibilityDate: string; compatibilityFlags: string[] } {
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (!date) throw new Error("wrangler.toml has no compatibility_date");
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1] ?? "";
  return { compatibilityDate: date, compatibilityFlags: [...flags.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? "") };
}

/** A worker running in workerd. */
export interface TestWorker {
  /** `http://127.0.0.1:port` (no trailing slash). */
  url: string;
  /** Lines the worker wrote with console.* (for asserting on logs). */
  readonly logs: string[];
  stop(): Promise<void>;
}

/** Captures workerd's log lines instead of printing them. */
class CapturingLog extends Log {
  constructor(readonly lines: string[]) {
    super(LogLevel.WARN);
  }
  override log(message: string): void {
    this.lines.push(message);
  }
}

/**
 * Bundle the worker (or `source`) and start it in workerd on a free loopback port with `bindings` as its vars.
 * @example const w = await startWorker({ DATABASE_URL: sqld.url, … }); await fetch(`${w.url}/healthz`);
 */
export async function startWorker(bindings: Record<string, string>, source?: WorkerSource): Promise<TestWorker> {
  const dir = mkdtempSync(join(tmpdir(), "authbridge-worker-"));
  const logs: string[] = [];
  try {
    const bundle = await bundleWorker(join(dir, "worker.js"), source);
    const mf = new Miniflare({
      name: "authbridge",
      modules: true,
      scriptPath: bundle.path,
      // Module names are paths relative to this root; the default (cwd) cannot reach the temp dir.
      modulesRoot: dir,
      ...wranglerCompat(),
      bindings,
      host: "127.0.0.1",
      port: 0,
      // Never fetch Cloudflare's request.cf data from the network; use miniflare's built-in fallback.
      cf: false,
      log: new CapturingLog(logs),
      handleRuntimeStdio(stdout: Readable, stderr: Readable) {
        const keep = (chunk: Buffer | string) => logs.push(...String(chunk).split("\n").filter(Boolean));
        stdout.on("data", keep);
        stderr.on("data", keep);
      },
    });
    const url = (await mf.ready).origin;
    let stopped: Promise<void> | undefined;
    return {
      url,
      logs,
      stop() {
        stopped ??= mf.dispose().finally(() => rmSync(dir, { recursive: true, force: true }));
        return stopped;
      },
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    // workerd's own output says why it did not start; miniflare's error does not.
    const why = logs.slice(-20).join("\n");
    throw new Error(`workerd did not start: ${e instanceof Error ? e.message : String(e)}${why ? `\n${why}` : ""}`, { cause: e });
  }
}
