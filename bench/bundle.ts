/**
 * Section "bundle": what deploying costs in bytes — the Workers bundle (bundled as wrangler does, see
 * test/support/workerd.ts) as built and minified, with gzip sizes; and the verifier package's bundle
 * (`npm run build:verify`), which API projects install.
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { bundleWorker, WORKER_ENTRY } from "../test/support/workerd";
import { tempDir } from "../test/support/temp";
import { num, type Row, type Section } from "./support/report";

const kib = (bytes: number) => `${num(bytes / 1024, 0)} KiB`;

function sizeRow(metric: string, path: string, detail: string): Row {
  const raw = readFileSync(path);
  return { section: "bundle", case: "size", metric, value: kib(raw.length), goal: "info", status: "INFO", detail: `${kib(gzipSync(raw).length)} gzip; ${detail}` };
}

/** The section. */
export const bundle: Section = {
  name: "bundle",
  title: "Bundle sizes",
  method: [
    "The Workers entry (`src/worker.ts`) bundled as wrangler bundles it (esbuild, workerd/worker/browser",
    "conditions, `node:*` external), as built and minified; gzip sizes from zlib at its default level.",
    "The verifier package (`packages/verify/dist/verify.js`) as `npm run build:verify` writes it, when built.",
  ].join("\n"),
  async run() {
    const dir = tempDir("authbridge-bundle-");
    try {
      const plain = await bundleWorker(join(dir.path, "worker.js"));
      const rows = [sizeRow("Workers bundle", plain.path, "as wrangler builds it (not minified)")];
      const minified = join(dir.path, "worker.min.js");
      await build({
        entryPoints: [WORKER_ENTRY], outfile: minified, bundle: true, minify: true, format: "esm", platform: "neutral", target: "es2022",
        conditions: ["workerd", "worker", "browser"], mainFields: ["browser", "module", "main"], external: ["node:*"],
        jsx: "automatic", jsxImportSource: "hono/jsx", logLevel: "silent",
      });
      rows.push(sizeRow("Workers bundle, minified", minified, "what `wrangler deploy --minify` uploads"));
      const verify = "packages/verify/dist/verify.js";
      try {
        statSync(verify);
        rows.push(sizeRow("verifier package bundle", verify, "`npm run build:verify`"));
      } catch {
        rows.push({ section: "bundle", case: "size", metric: "verifier package bundle", value: "not built", goal: "info", status: "INFO", detail: "run `npm run build:verify` first" });
      }
      return rows;
    } finally {
      dir.remove();
    }
  },
};
