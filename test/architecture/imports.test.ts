/**
 * The import direction, read from the source: every `import … from "…"`, `export … from "…"` and
 * `import("…")` of every .ts/.tsx file, relative paths resolved to files.
 * - providers/ (the platform adapters) imports nothing from src/ but the domain module, src/errors.ts and
 *   src/lib/: it gets its options, never `Config`, and never renders pages;
 * - src/domain/ imports nothing of ours outside itself (it is the bottom layer);
 * - nothing outside src/oauth/grants/ imports a grant, except src/app.ts which wires them (and tests).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SKIP = new Set(["node_modules", ".git", "dist", "coverage", ".wrangler"]);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name) && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

const rel = (abs: string) => relative(ROOT, abs).split(sep).join("/");

const SPECIFIERS = [/\b(?:import|export)\b[^;'"]*?\bfrom\s*["']([^"']+)["']/g, /\bimport\s*["']([^"']+)["']/g, /\bimport\(\s*["']([^"']+)["']\s*\)/g];

/** Relative specifiers of a file, resolved to repository paths (bare package names are skipped). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const re of SPECIFIERS) {
    for (const m of text.matchAll(re)) {
      const spec = m[1]!;
      if (!spec.startsWith(".")) continue;
      const base = resolve(dirname(file), spec);
      const candidates = [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts"), join(base, "index.tsx")];
      const hit = candidates.find((c) => {
        try {
          return statSync(c).isFile();
        } catch {
          return false;
        }
      });
      out.push(rel(hit ?? base));
    }
  }
  return out;
}

const graph = new Map<string, string[]>();
for (const top of ["src", "providers", "test", "bench", "scripts", "examples"]) {
  let files: string[] = [];
  try {
    files = sourceFiles(join(ROOT, top));
  } catch {
    continue; // a folder this checkout does not have
  }
  for (const f of files) graph.set(rel(f), importsOf(f));
}

function violations(from: (file: string) => boolean, bad: (target: string, file: string) => boolean): string[] {
  const out: string[] = [];
  for (const [file, targets] of graph) if (from(file)) for (const t of targets) if (bad(t, file)) out.push(`${file} → ${t}`);
  return out;
}

describe("import direction", () => {
  it("reads the graph (the check below is not vacuous)", () => {
    expect(graph.get("providers/github/login.ts")).toContain("src/domain/index.ts");
    expect(graph.get("src/app.ts")).toContain("src/oauth/grants/token-exchange.ts");
  });

  it("providers/ imports only the domain module, src/errors.ts and src/lib/ from src/", () => {
    const allowed = (t: string) => t.startsWith("src/domain/") || t === "src/errors.ts" || t.startsWith("src/lib/");
    expect(violations((f) => f.startsWith("providers/"), (t) => !t.startsWith("providers/") && !allowed(t))).toEqual([]);
  });

  it("src/domain/ imports nothing of ours outside itself", () => {
    expect(violations((f) => f.startsWith("src/domain/"), (t) => !t.startsWith("src/domain/"))).toEqual([]);
  });

  it("only src/app.ts (and tests) import the grants", () => {
    const grant = (t: string) => t.startsWith("src/oauth/grants/");
    // The token endpoint dispatches to grants through the grants' shared toolkit (`grants/grant.ts`),
    // which declares what a grant is; it imports no grant itself.
    const toolkit = (t: string, f: string) => f === "src/oauth/token.ts" && t === "src/oauth/grants/grant.ts";
    const outside = (f: string) => !f.startsWith("src/oauth/grants/") && !f.startsWith("test/") && f !== "src/app.ts";
    expect(violations(outside, (t, f) => grant(t) && !toolkit(t, f))).toEqual([]);
  });
});
