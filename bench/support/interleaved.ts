/**
 * Interleaved in-process measurement shared by the sections that compare middleware variants with
 * `app.request()` (no sockets): variants run in short time slices, rotating the order every round, so
 * drift (JIT, GC, thermal, other processes) hits all of them alike; ratios are medians of per-round ratios.
 */
import type { MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { num, type Row } from "./report";

/** One result row (the lead reconciles it with bench/run.ts's Row). */
export interface BenchRow {
  section: string;
  name: string;
  value: number;
  unit: string;
  ratio?: number;
  floor?: number;
  pass?: boolean;
  note?: string;
}

/** Requests kept in flight per slice: WebCrypto verifies off the main thread, so a server overlaps them. */
export const CONCURRENCY = 16;
export const SLICE_MS = 100;
/** What a variant needs of an app (variants differ in their Hono env types). */
export interface AnyApp {
  request(path: string, init: RequestInit): Response | Promise<Response>;
}

export interface Variant {
  name: string;
  app: AnyApp;
  /** The next Authorization header value to send. */
  next(): string;
  /** Untimed preparation before a slice (e.g. mint fresh tokens). */
  before?(expected: number): Promise<void>;
}

export interface Rate {
  requests: number;
  seconds: number;
  rps: number;
  /** Rate of each round's slice, in round order (for per-round ratios). */
  rounds: number[];
}

/** Run `v` for `ms` with CONCURRENCY requests in flight; every answer must be 200. */
export async function slice(v: Variant, ms: number): Promise<{ n: number; secs: number }> {
  const start = performance.now();
  const end = start + ms;
  let n = 0;
  let bad = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const res = await v.app.request("/r", { headers: { authorization: v.next() } });
        if (res.status !== 200) bad++;
        n++;
      }
    }),
  );
  if (bad > 0) throw new Error(`${v.name}: ${bad} of ${n} requests were not 200`);
  return { n, secs: (performance.now() - start) / 1000 };
}

/** Interleaved rounds over `variants` for about `seconds` in total (after a warm-up slice each). */
export async function interleaved(variants: Variant[], seconds: number, log: (m: string) => void): Promise<Map<string, Rate>> {
  const acc = new Map<string, Rate>(variants.map((v) => [v.name, { requests: 0, seconds: 0, rps: 0, rounds: [] }]));
  let expected = 2000;
  const run = async (v: Variant, ms: number) => {
    await v.before?.(expected);
    const r = await slice(v, ms);
    expected = Math.max(expected, Math.ceil(r.n * 1.5));
    return r;
  };
  for (const v of variants) await run(v, 2 * SLICE_MS);
  const rounds = Math.max(3, Math.floor((seconds * 1000) / (SLICE_MS * variants.length)));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(i + round) % variants.length]!;
      const r = await run(v, SLICE_MS);
      const a = acc.get(v.name)!;
      a.requests += r.n;
      a.seconds += r.secs;
      a.rounds.push(r.n / r.secs);
    }
  }
  for (const [name, a] of acc) {
    a.rps = a.requests / a.seconds;
    log(`${name}: ${Math.round(a.rps)} req/s over ${a.requests} requests`);
  }
  return acc;
}

const ok = (c: { text(t: string): Response }) => c.text("ok");

export function guarded(mw: MiddlewareHandler): AnyApp {
  return new Hono().get("/r", mw, ok);
}

/** Cycle through `items`. */
export function cycle(items: string[]): () => string {
  let i = 0;
  return () => items[i++ % items.length]!;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The median over rounds of a/b within each round: the two slices of a round ran back to back, so load
 * from other processes mostly cancels, and one disturbed round cannot move the result.
 */
export function ratioRow(section: string, name: string, a: Rate, b: Rate, floor?: number, note?: string): BenchRow {
  const ratio = median(a.rounds.map((x, i) => x / b.rounds[i]!));
  const overall = a.rps / b.rps;
  note = `median of ${a.rounds.length} per-round ratios; ratio of totals ${overall.toFixed(3)}${note ? `; ${note}` : ""}`;
  return {
    section,
    name,
    value: Number(ratio.toFixed(3)),
    unit: "×",
    ratio: Number(ratio.toFixed(3)),
    ...(floor !== undefined ? { floor, pass: ratio >= floor } : {}),
    ...(note ? { note } : {}),
  };
}

export const rateRow = (section: string, name: string, r: Rate, note?: string): BenchRow => ({
  section,
  name,
  value: Math.round(r.rps),
  unit: "req/s",
  note: `${r.requests} requests in ${r.seconds.toFixed(2)} s, ${CONCURRENCY} in flight${note ? `; ${note}` : ""}`,
});


/**
 * The report rows of a section's results: floors become PASS/FAIL (`≥` for ratios and rates, `≤` for
 * times in ms), everything else INFO.
 * @example return toReportRows("verify", await benchVerify({ seconds }, log));
 */
export function toReportRows(section: string, rows: BenchRow[]): Row[] {
  return rows.map((r): Row => ({
    section,
    case: r.name.split(/[:/(]/)[0]!.trim(),
    metric: r.name,
    value: `${num(r.value, r.value < 10 ? 2 : 0)} ${r.unit}`,
    goal: r.floor !== undefined ? (r.unit === "ms" ? `≤ ${r.floor}` : `≥ ${r.floor}`) : "",
    status: r.pass === undefined ? "INFO" : r.pass ? "PASS" : "FAIL",
    detail: r.note ?? "",
  }));
}
