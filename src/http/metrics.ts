/**
 * Counters and latency histograms in the Prometheus text exposition format (version 0.0.4), served at
 * `GET /metrics` behind `Authorization: Bearer <METRICS_TOKEN>`; without METRICS_TOKEN the route does not
 * exist (404 like any unknown path).
 *
 * Why not prom-client: it imports Node built-ins (cluster, v8, perf_hooks) at load, and the app must
 * bundle for workerd without any `node:` import. The format is a few lines of text; what matters here is
 * that recording costs a map lookup and an increment on the hot path — no label strings are built per
 * request (labels are nested map keys; text is produced only when scraped).
 */
import { Hono } from "hono";
import { hmacKey } from "../lib/digest";

/** What the app records. */
export interface Metrics {
  /** One answered request. */
  request(method: string, route: string, status: number, seconds: number): void;
  /** Tokens issued at /token, by grant type. */
  tokenIssued(grant: string): void;
  /** A refresh token presented again after its grace window (its family was revoked). */
  refreshReuse(): void;
  /** One call to a platform API (GitHub, Discord, Slack); outcome: ok, refused, unavailable. */
  platformCall(platform: string, outcome: string, seconds: number): void;
  /** One state store operation. */
  store(op: string, seconds: number, ok: boolean): void;
  /** One database statement or batch. */
  database(op: string, seconds: number, ok: boolean): void;
  /** The exposition text. */
  render(): string;
}

// Latency buckets in seconds: sub-millisecond local stores up to slow platform APIs.
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

class Histogram {
  readonly counts = new Float64Array(BUCKETS.length + 1);
  sum = 0;
  observe(v: number): void {
    let i = 0;
    while (i < BUCKETS.length && v > BUCKETS[i]!) i++;
    this.counts[i]!++;
    this.sum += v;
  }
}

/** Nested maps: one level per label, so recording builds no strings. */
type Tree<T> = Map<string | number, Tree<T> | T>;

function cell<T>(tree: Tree<T>, keys: (string | number)[] | readonly [string | number, ...(string | number)[]], make: () => T): T {
  let node: Tree<T> = tree;
  for (let i = 0; i < keys.length - 1; i++) {
    let next = node.get(keys[i]!) as Tree<T> | undefined;
    if (!next) node.set(keys[i]!, (next = new Map()));
    node = next;
  }
  const last = keys[keys.length - 1]!;
  let leaf = node.get(last) as T | undefined;
  if (leaf === undefined) node.set(last, (leaf = make()));
  return leaf;
}

function* leaves<T>(tree: Tree<T>, depth: number, path: (string | number)[] = []): Generator<[(string | number)[], T]> {
  for (const [k, v] of tree) {
    if (depth === 1) yield [[...path, k], v as T];
    else yield* leaves(v as Tree<T>, depth - 1, [...path, k]);
  }
}

const escape = (v: string | number) => String(v).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const labelText = (names: readonly string[], values: (string | number)[], extra = "") => {
  const parts = names.map((n, i) => `${n}="${escape(values[i]!)}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(",")}}` : "";
};

interface Family {
  name: string;
  help: string;
  labels: readonly string[];
  kind: "counter" | "histogram";
  tree: Tree<{ n: number } | Histogram>;
}

/**
 * A fresh set of metrics (one per app).
 * @example const metrics = createMetrics(); metrics.tokenIssued("refresh_token"); metrics.render();
 */
export function createMetrics(): Metrics {
  const families: Family[] = [];
  const family = (name: string, kind: Family["kind"], help: string, labels: readonly string[]): Family => {
    const f: Family = { name, help, labels, kind, tree: new Map() };
    families.push(f);
    return f;
  };
  const counter = () => ({ n: 0 });
  const histogram = () => new Histogram();
  const requests = family("authbridge_http_requests_total", "counter", "HTTP requests answered, by method, route pattern and status.", ["method", "route", "status"]);
  const requestSeconds = family("authbridge_http_request_duration_seconds", "histogram", "Time to answer a request, by route pattern.", ["route"]);
  const issued = family("authbridge_tokens_issued_total", "counter", "Access tokens issued at /token, by grant type.", ["grant"]);
  const reuse = family("authbridge_refresh_reuse_detected_total", "counter", "Refresh tokens replayed after their grace window (family revoked).", []);
  const limited = family("authbridge_rate_limited_total", "counter", "Requests refused by a rate limit (429), by route pattern.", ["route"]);
  const platformCalls = family("authbridge_platform_calls_total", "counter", "Calls to platform APIs, by platform and outcome.", ["platform", "outcome"]);
  const platformSeconds = family("authbridge_platform_call_duration_seconds", "histogram", "Platform API call latency, by platform.", ["platform"]);
  const storeOps = family("authbridge_store_operations_total", "counter", "State store operations, by operation and result.", ["op", "result"]);
  const storeSeconds = family("authbridge_store_duration_seconds", "histogram", "State store latency, by operation.", ["op"]);
  const dbOps = family("authbridge_database_operations_total", "counter", "Database statements and batches, by kind and result.", ["op", "result"]);
  const dbSeconds = family("authbridge_database_duration_seconds", "histogram", "Database latency, by kind.", ["op"]);
  const reuseCell = { n: 0 }; // no labels: one number, rendered on its own

  const count = (f: Family, keys: (string | number)[]) => (cell(f.tree, keys, counter) as { n: number }).n++;
  const observe = (f: Family, key: string, v: number) => (cell(f.tree, [key], histogram) as Histogram).observe(v);

  return {
    request(method, route, status, seconds) {
      count(requests, [method, route, status]);
      observe(requestSeconds, route, seconds);
      if (status === 429) count(limited, [route]);
    },
    tokenIssued: (grant) => count(issued, [grant]),
    refreshReuse: () => reuseCell.n++,
    platformCall(platform, outcome, seconds) {
      count(platformCalls, [platform, outcome]);
      observe(platformSeconds, platform, seconds);
    },
    store(op, seconds, ok) {
      count(storeOps, [op, ok ? "ok" : "error"]);
      observe(storeSeconds, op, seconds);
    },
    database(op, seconds, ok) {
      count(dbOps, [op, ok ? "ok" : "error"]);
      observe(dbSeconds, op, seconds);
    },
    render() {
      const out: string[] = [];
      for (const f of families) {
        out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.kind}`);
        if (f === reuse) {
          out.push(`${f.name} ${reuseCell.n}`);
          continue;
        }
        for (const [values, v] of leaves(f.tree, f.labels.length)) {
          if (v instanceof Histogram) {
            let cumulative = 0;
            for (let i = 0; i <= BUCKETS.length; i++) {
              cumulative += v.counts[i]!;
              const le = i < BUCKETS.length ? String(BUCKETS[i]) : "+Inf";
              out.push(`${f.name}_bucket${labelText(f.labels, values, `le="${le}"`)} ${cumulative}`);
            }
            out.push(`${f.name}_sum${labelText(f.labels, values)} ${v.sum}`, `${f.name}_count${labelText(f.labels, values)} ${cumulative}`);
          } else out.push(`${f.name}${labelText(f.labels, values)} ${v.n}`);
        }
      }
      return out.join("\n") + "\n";
    },
  };
}

/**
 * `GET /metrics` for a configured token (constant-time comparison through HMAC); nothing when unset.
 * @example if (config.metricsToken) app.route("/", metricsRoutes(config.metricsToken, metrics));
 */
export function metricsRoutes(token: string, metrics: Metrics): Hono {
  const key = hmacKey(crypto.getRandomValues(new Uint8Array(32)));
  const expected = key.sign(token);
  return new Hono().get("/metrics", async (c) => {
    const header = c.req.header("authorization") ?? "";
    const presented = /^bearer /i.test(header) ? header.slice(7).trim() : "";
    if (!presented || !(await key.verify(await expected, presented))) {
      return c.body(JSON.stringify({ type: "about:blank", title: "Unauthorized", status: 401 }), 401, {
        "Content-Type": "application/problem+json",
        "WWW-Authenticate": 'Bearer realm="metrics"',
        "Cache-Control": "no-store",
      });
    }
    return c.body(metrics.render(), 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-store" });
  });
}
