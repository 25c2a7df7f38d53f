/**
 * `npm run build:verify` (and `npm run build`, after the CLI bundle): the installable verifier package in
 * packages/verify (published as `authbridge`, imported as `authbridge/verify`).
 *
 * - JavaScript: esbuild bundles src/verify/index.ts and everything it imports from this repository (the
 *   store's mark helpers, the scope grammar) into one ES module; hono and jose stay imports, so the
 *   package's only runtime needs are jose (a dependency) and hono (a peer: the API's own).
 * - Types: tsc emits declarations for the same entry; relative specifiers get their `.js` so they resolve
 *   under `moduleResolution: "nodenext"` as well as "bundler".
 *
 * Building from the entry (not a file list) lets changes inside src/verify flow through unchanged.
 * `--out DIR` builds into DIR/dist instead of packages/verify/dist (the package test builds into a temp
 * copy, so test runs never race each other or your working copy).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const PKG = join(ROOT, "packages/verify");
const DIST = join(outArgument() ?? PKG, "dist");
const ENTRY = join(ROOT, "src/verify/index.ts");
/** Packages the bundle imports instead of inlining. */
const EXTERNAL = ["hono", "jose"];

function fail(message: string): never {
  console.error(`build: ${message}`);
  process.exit(1);
}

/** The directory given with `--out DIR`, resolved from the current directory. */
function outArgument(): string | undefined {
  const args = process.argv.slice(2);
  if (args.length === 0) return undefined;
  if (args[0] !== "--out" || !args[1] || args.length !== 2) fail("usage: npm run build:verify [-- --out DIR]");
  return resolve(args[1]);
}

/** Bundle the JavaScript; returns the repository files and packages that went into it. */
async function bundle(): Promise<string[]> {
  const result = await build({
    entryPoints: [ENTRY],
    absWorkingDir: ROOT,
    outfile: join(DIST, "verify.js"),
    bundle: true,
    format: "esm",
    // Neutral: the same file runs on Node, Workers, Deno and Bun (node-signature loads node:crypto at
    // run time through process.getBuiltinModule, never through an import).
    platform: "neutral",
    mainFields: ["module", "main"],
    target: "es2022",
    external: EXTERNAL.flatMap((p) => [p, `${p}/*`]),
    legalComments: "eof",
    metafile: true,
    logLevel: "warning",
  });
  const inputs = Object.keys(result.metafile.inputs);
  const nodeImports = Object.values(result.metafile.inputs).flatMap((i) => i.imports.map((im) => im.path)).filter((p) => p.startsWith("node:"));
  if (nodeImports.length > 0) fail(`the verifier must not import Node built-ins: ${[...new Set(nodeImports)].join(", ")}`);
  return inputs;
}

/** Every file under `dir`. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** `from "./cache"` → `from "./cache.js"` (or `./dir/index.js`), so Node-style resolution finds them. */
function withJsExtensions(file: string): void {
  const text = readFileSync(file, "utf8");
  const out = text.replace(/(from\s+|import\(\s*)(["'])(\.{1,2}\/[^"']+)\2/g, (whole, lead: string, quote: string, spec: string) => {
    if (spec.endsWith(".js")) return whole;
    const base = resolve(dirname(file), spec);
    const target = existsSync(`${base}.d.ts`) ? `${spec}.js` : existsSync(join(base, "index.d.ts")) ? `${spec}/index.js` : undefined;
    if (!target) fail(`${relative(ROOT, file)}: cannot resolve ${spec}`);
    return `${lead}${quote}${target}${quote}`;
  });
  if (out !== text) writeFileSync(file, out);
}

function declarations(): void {
  const tsc = join(ROOT, "node_modules/.bin/tsc");
  const run = spawnSync(tsc, ["-p", join(PKG, "tsconfig.json"), "--outDir", join(DIST, "types")], { cwd: ROOT, encoding: "utf8" });
  if (run.status !== 0) fail(`tsc could not emit declarations:\n${run.stdout}${run.stderr}`);
  for (const f of filesUnder(join(DIST, "types")).filter((f) => f.endsWith(".d.ts"))) withJsExtensions(f);
}

async function main(): Promise<void> {
  rmSync(DIST, { recursive: true, force: true });
  const inputs = await bundle();
  declarations();
  const size = statSync(join(DIST, "verify.js")).size;
  const local = inputs.filter((p) => !p.startsWith("node_modules/"));
  const bundled = [...new Set(inputs.filter((p) => p.startsWith("node_modules/")).map((p) => p.split("/")[1]))];
  console.log(`${relative(process.cwd(), join(DIST, "verify.js"))}: ${(size / 1024).toFixed(1)} KiB from ${local.length} source files; bundled: ${bundled.join(", ") || "none"}; imports: ${EXTERNAL.join(", ")}`);
}

main().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
