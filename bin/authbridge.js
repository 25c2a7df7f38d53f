#!/usr/bin/env node
/**
 * `npx authbridge …`: runs the built CLI (dist/cli/main.js). When the build is missing or older than the
 * sources (a checkout that changed since `npm install`), it is rebuilt first with esbuild (a dev
 * dependency); where esbuild is absent, the TypeScript sources run through tsx instead (slower start).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const built = join(root, "dist/cli/main.js");

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (/\.tsx?$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function isFresh() {
  if (!existsSync(built)) return false;
  const sources = ["src", "providers"].map((d) => join(root, d)).filter(existsSync);
  return statSync(built).mtimeMs >= Math.max(...sources.map(newestSource));
}

let ready = isFresh();
if (!ready) {
  try {
    const { buildCli } = await import("./build-cli.mjs");
    await buildCli();
    ready = true;
  } catch (e) {
    if (e?.code !== "ERR_MODULE_NOT_FOUND") throw e;
  }
}
if (ready) {
  await import(pathToFileURL(built).href);
} else {
  const tsx = join(root, "node_modules/.bin/tsx");
  const r = spawnSync(tsx, [join(root, "src/cli/main.ts"), ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}
