/**
 * Load for the side-by-side comparison: the same autocannon harness drives every server, every response
 * body is checked (a JWT access token; for refreshes a new refresh token, which goes back into the pool),
 * and latency is measured per request with `process.hrtime` (sub-millisecond resolution).
 */
import autocannon, { type AutocannonRequest } from "autocannon";

/** How one server takes its token requests. */
export interface TokenCall {
  /** Extra headers (e.g. `authorization: Basic …`). */
  headers: Record<string, string>;
  /** The form body of a client_credentials request. */
  clientCredentials: string;
  /** The form body of a refresh, given the presented token. */
  refresh: (token: string) => string;
}

/** The outcome of one checked run. */
export interface CheckedResult {
  /** 200 answers whose body passed the check. */
  ok: number;
  /** Other statuses, bad bodies, socket errors and timeouts. */
  failed: number;
  /** 200 answers whose body did not pass (included in `failed`). */
  badBodies: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** An access token that is a compact JWS whose header names an algorithm and a key. */
function isJwt(token: unknown): boolean {
  if (typeof token !== "string" || !JWT.test(token)) return false;
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, token.indexOf(".")), "base64url").toString("utf8")) as { alg?: unknown; kid?: unknown };
    return typeof header.alg === "string" && header.alg !== "none" && typeof header.kid === "string";
  } catch {
    return false;
  }
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

interface Timing {
  t0?: bigint;
}

async function run(url: string, seconds: number, connections: number, request: AutocannonRequest): Promise<{ errors: number; seconds: number }> {
  const r = await autocannon({ url, connections, duration: seconds, timeout: 10, requests: [request] });
  return { errors: r.errors + r.timeouts, seconds: r.duration > 0 ? r.duration : 1e-9 };
}

function finish(samples: number[], counts: { ok: number; bad: number; other: number }, errors: number, seconds: number): CheckedResult {
  samples.sort((a, b) => a - b);
  return {
    ok: counts.ok,
    failed: counts.bad + counts.other + errors,
    badBodies: counts.bad,
    seconds,
    p50Ms: quantile(samples, 0.5),
    p99Ms: quantile(samples, 0.99),
  };
}

/**
 * client_credentials again and again; each 200 must carry a JWT access token.
 * @example await clientCredentialsLoad(url, call, { seconds: 2, connections: 16 });
 */
export async function clientCredentialsLoad(url: string, call: TokenCall, shape: { seconds: number; connections: number }): Promise<CheckedResult> {
  const samples: number[] = [];
  const counts = { ok: 0, bad: 0, other: 0 };
  const request: AutocannonRequest = {
    method: "POST",
    path: "/token",
    headers: { "content-type": "application/x-www-form-urlencoded", ...call.headers },
    body: call.clientCredentials,
    setupRequest(req, context) {
      (context as Timing).t0 = process.hrtime.bigint();
      return req;
    },
    onResponse(status, body, context) {
      const t0 = (context as Timing).t0;
      if (t0 !== undefined) samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (status !== 200) return void counts.other++;
      let ok = false;
      try {
        ok = isJwt((JSON.parse(body) as { access_token?: unknown }).access_token);
      } catch {
        ok = false;
      }
      if (ok) counts.ok++;
      else counts.bad++;
    },
  };
  const { errors, seconds } = await run(url, shape.seconds, shape.connections, request);
  return finish(samples, counts, errors, seconds);
}

/**
 * Refresh-token chains: each request presents a live token from `pool` (shared, more tokens than
 * connections); a 200 must carry a JWT access token and a refresh token different from the one presented,
 * which goes back into the pool. Returns the pool left for the next run.
 */
export async function refreshLoad(url: string, call: TokenCall, pool: string[], shape: { seconds: number; connections: number }): Promise<{ result: CheckedResult; pool: string[] }> {
  const live = [...pool];
  const samples: number[] = [];
  const counts = { ok: 0, bad: 0, other: 0 };
  const request: AutocannonRequest = {
    method: "POST",
    path: "/token",
    headers: { "content-type": "application/x-www-form-urlencoded", ...call.headers },
    setupRequest(req, context) {
      const token = live.shift() ?? "pool-exhausted";
      const c = context as Timing & { presented?: string };
      c.presented = token;
      c.t0 = process.hrtime.bigint();
      return { ...req, body: call.refresh(token) };
    },
    onResponse(status, body, context) {
      const c = context as Timing & { presented?: string };
      if (c.t0 !== undefined) samples.push(Number(process.hrtime.bigint() - c.t0) / 1e6);
      if (status !== 200) return void counts.other++;
      let next: unknown;
      let ok = false;
      try {
        const parsed = JSON.parse(body) as { access_token?: unknown; refresh_token?: unknown };
        next = parsed.refresh_token;
        ok = isJwt(parsed.access_token) && typeof next === "string" && next !== c.presented;
      } catch {
        ok = false;
      }
      if (!ok) return void counts.bad++;
      counts.ok++;
      live.push(next as string);
    },
  };
  const { errors, seconds } = await run(url, shape.seconds, shape.connections, request);
  return { result: finish(samples, counts, errors, seconds), pool: live };
}
