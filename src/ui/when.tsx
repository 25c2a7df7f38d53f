/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Times on our pages in the reader's words ("5 minutes ago", "in 29 days"), not ISO strings. Relative, so
 * no time zone is needed on the server (pages work without JavaScript); the exact instant stays
 * machine-readable in `<time datetime>` and readable on hover in its `title` (UTC).
 */

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600_000],
  ["month", 30 * 24 * 3600_000],
  ["week", 7 * 24 * 3600_000],
  ["day", 24 * 3600_000],
  ["hour", 3600_000],
  ["minute", 60_000],
];
const words = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/**
 * `at` relative to `now`, in words.
 * @example timeInWords(Date.now() - 120_000, Date.now()) // "2 minutes ago"
 */
export function timeInWords(at: number, now: number): string {
  const delta = at - now;
  if (Math.abs(delta) < 60_000) return delta <= 0 ? "just now" : "in under a minute";
  // A little slack below each unit: "in 1 year" for a key made to last a year a moment ago, not "in 12 months".
  for (const [unit, ms] of UNITS) {
    if (Math.abs(delta) >= ms * 0.99) return words.format(Math.max(1, Math.trunc(Math.abs(delta) / ms + 0.01)) * Math.sign(delta), unit);
  }
  return words.format(Math.trunc(delta / 60_000), "minute");
}

/**
 * A `<time>` element showing {@link timeInWords}.
 * @example <When at={session.createdAt} now={now} />
 */
export function When(props: { at: number; now: number }) {
  const iso = new Date(props.at).toISOString();
  return (
    <time datetime={iso} title={`${iso.slice(0, 16).replace("T", " ")} UTC`}>
      {timeInWords(props.at, props.now)}
    </time>
  );
}
