/**
 * Benchmark sections, result rows, and their rendering: a plain-text table for stdout and Markdown for
 * BENCHMARKS.md.
 */

/**
 * PASS/FAIL: a floor (the run fails when one is missed). INFO: measured and compared, not enforced yet.
 */
export type Status = "PASS" | "FAIL" | "INFO";

/** One measured number. */
export interface Row {
  section: string;
  /** What was measured on (e.g. the store). */
  case: string;
  metric: string;
  value: string;
  /** The goal or reference it is compared with. */
  goal: string;
  status: Status;
  /** Latencies, ratios, and whatever else explains the number. */
  detail: string;
}

/** Settings every section gets. */
export interface SectionContext {
  /** Length of each throughput run. */
  seconds: number;
  /** Concurrent HTTP connections of the load generator. */
  connections: number;
  /** Progress line on stderr. */
  log(message: string): void;
}

/** One benchmark section (a file in bench/). */
export interface Section {
  name: string;
  title: string;
  /** How this section measures, in Markdown (written to BENCHMARKS.md). */
  method: string;
  run(ctx: SectionContext): Promise<Row[]>;
}

const COLUMNS = ["section", "case", "metric", "value", "goal", "status", "detail"] as const;

/** Format a number with a fixed count of decimals and thousands separators. */
export function num(n: number, decimals = 0): string {
  return Number.isFinite(n) ? n.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals }) : "n/a";
}

/** Rows as an aligned plain-text table. */
export function textTable(rows: Row[]): string {
  const cells = [COLUMNS.map((c) => c.toUpperCase()), ...rows.map((r) => COLUMNS.map((c) => r[c]))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((line) => (line[i] ?? "").length)));
  const line = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  const [head, ...body] = cells;
  return [line(head ?? []), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

/** Rows as a Markdown table. */
export function markdownTable(rows: Row[]): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  return [
    `| ${COLUMNS.map((c) => c[0]!.toUpperCase() + c.slice(1)).join(" | ")} |`,
    `| ${COLUMNS.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${COLUMNS.map((c) => esc(r[c])).join(" | ")} |`),
  ].join("\n");
}
