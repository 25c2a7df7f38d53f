/**
 * `npm run bench`: runs the benchmark sections, prints one table, writes BENCHMARKS.md at the repo root
 * (method and results), and exits non-zero when a floor is missed or a section fails.
 *
 * Environment: BENCH_SECONDS (timed run length per case, default 5), BENCH_CONNECTIONS (default 16),
 * BENCH_ONLY (comma-separated section names), BENCH_NO_WRITE=1 (do not write BENCHMARKS.md),
 * BENCH_CPU_PROF=<dir> (child processes write V8 CPU profiles there).
 */
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { apiKeys } from "./api-keys";
import { issuance } from "./issuance";
import { memory } from "./memory";
import { bundle } from "./bundle";
import { nodePaths } from "./node-paths";
import { peers } from "./peers";
import { verify } from "./verify";
import { stopAllChildren } from "./support/child";
import { markdownTable, textTable, type Row, type Section, type SectionContext } from "./support/report";

/** Every section, in run order. */
const SECTIONS: Section[] = [issuance, peers, verify, apiKeys, nodePaths, memory, bundle];

const root = fileURLToPath(new URL("..", import.meta.url));

function intEnv(name: string, def: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer in [${min}, ${max}]`);
  return n;
}

function versionOf(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(`${root}node_modules/${pkg}/package.json`, "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

/** The hand-written analysis kept in bench/notes.md (profiles, decisions), carried into BENCHMARKS.md as is. */
function notes(): string {
  try {
    return readFileSync(`${root}bench/notes.md`, "utf8").trim();
  } catch {
    return "";
  }
}

function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}`;
}

function loadAverage(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(" / ");
}

function markdown(ctx: SectionContext, sections: Section[], rows: Row[], failures: string[], startedAt: Date, loadAtStart: string): string {
  const verdict = failures.length === 0 ? "All floors met." : `**Floors missed:** ${failures.join("; ")}.`;
  return `# Benchmarks

Written by \`npm run bench\` (\`bench/run.ts\`) on ${startedAt.toISOString()}. ${verdict}

## Method

- Machine: ${machine()}. Loopback traffic only. Load average (1/5/15 min) at start ${loadAtStart}, at end
  ${loadAverage()}: anything else running on the machine shows up in these numbers.
- Node ${process.version}, autocannon ${versionOf("autocannon")}, hono ${versionOf("hono")}, @libsql/client ${versionOf("@libsql/client")}, @upstash/redis ${versionOf("@upstash/redis")}.
- Timed runs: ${ctx.seconds} s per case (BENCH_SECONDS), ${ctx.connections} connections (BENCH_CONNECTIONS).
- The server under test is one Node process: one JavaScript thread plus V8/libuv helper threads (WebCrypto
  hashing and signing, GC), so it can use a little more than one of the ${os.cpus().length} cores. The load generator runs in
  another process on the same machine. "Per core" rates divide by the CPU time the server process actually used.
- Status: **PASS/FAIL** rows are floors (the run exits non-zero when one fails); **INFO** rows are measured and
  compared with a goal that is not enforced yet.

${sections.map((s) => `### ${s.title}\n\n${s.method}`).join("\n\n")}

## Results

${markdownTable(rows)}

${notes()}

## Reproduce

\`\`\`sh
npm run bench                      # all sections, ${ctx.seconds} s per timed case here
BENCH_SECONDS=3 npm run bench      # quicker
BENCH_ONLY=issuance BENCH_CONNECTIONS=8 BENCH_NO_WRITE=1 npm run bench
\`\`\`

Needs \`/usr/bin/redis-server\` (or REDIS_SERVER_BIN) for the Upstash cases.
`;
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const loadAtStart = loadAverage();
  if ((os.loadavg()[0] ?? 0) >= 0.5) console.error(`bench: load average ${loadAtStart} at start: other work is running, numbers will be noisy`);
  const only = (process.env.BENCH_ONLY ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = only.filter((n) => !SECTIONS.some((s) => s.name === n));
  if (unknown.length > 0) throw new Error(`unknown section(s): ${unknown.join(", ")}; known: ${SECTIONS.map((s) => s.name).join(", ")}`);
  const sections = only.length > 0 ? SECTIONS.filter((s) => only.includes(s.name)) : SECTIONS;
  const ctx: SectionContext = {
    seconds: intEnv("BENCH_SECONDS", 5, 1, 120),
    connections: intEnv("BENCH_CONNECTIONS", 16, 1, 256),
    log: (m) => console.error(`bench: ${m}`),
  };

  const rows: Row[] = [];
  const failures: string[] = [];
  for (const section of sections) {
    try {
      rows.push(...(await section.run(ctx)));
    } catch (err) {
      failures.push(`section ${section.name} failed: ${err instanceof Error ? err.message : String(err)}`);
      console.error(err);
      await stopAllChildren();
    }
  }
  for (const r of rows) if (r.status === "FAIL") failures.push(`${r.section}/${r.case}: ${r.metric} = ${r.value} (goal ${r.goal})`);

  console.log(textTable(rows));
  console.log(failures.length === 0 ? "\nAll floors met." : `\nFloors missed:\n${failures.map((f) => `  - ${f}`).join("\n")}`);
  if (process.env.BENCH_NO_WRITE !== "1") {
    writeFileSync(`${root}BENCHMARKS.md`, markdown(ctx, sections, rows, failures, startedAt, loadAtStart));
    console.log("Wrote BENCHMARKS.md");
  }
  return failures.length === 0 ? 0 : 1;
}

let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`bench: ${signal}, stopping children`);
    void stopAllChildren().finally(() => process.exit(130));
  });
}

main()
  .then(async (code) => {
    await stopAllChildren();
    process.exit(code);
  })
  .catch(async (err: unknown) => {
    console.error(err);
    await stopAllChildren();
    process.exit(1);
  });
