/**
 * Load generation with autocannon over real HTTP: a fixed request, or refresh-token chains where every
 * response's `refresh_token` is presented by the next request (the way a real client rotates).
 */
import autocannon, { type AutocannonRequest, type AutocannonResult } from "autocannon";

/** How long and how wide to drive the server; `amount` (a fixed request count) overrides `seconds`. */
export interface LoadShape {
  connections: number;
  seconds?: number;
  amount?: number;
}

/** The outcome of one load run. */
export interface LoadResult {
  /** 2xx responses. */
  ok: number;
  /** Non-2xx responses, socket errors and timeouts. */
  failed: number;
  /** Status codes seen, with counts (e.g. `{ "200": 5000 }`). */
  statuses: Record<string, number>;
  /** Wall time of the run, seconds. */
  seconds: number;
  /** 2xx responses per second. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

function summarise(r: AutocannonResult): LoadResult {
  const statuses: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(r.statusCodeStats ?? {})) statuses[code] = count;
  const seconds = r.duration > 0 ? r.duration : 1e-9;
  return {
    ok: r["2xx"],
    failed: r.non2xx + r.errors + r.timeouts,
    statuses,
    seconds,
    rps: r["2xx"] / seconds,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
  };
}

function limits(shape: LoadShape): { amount: number } | { duration: number } {
  if (shape.amount !== undefined) return { amount: shape.amount };
  return { duration: shape.seconds ?? 5 };
}

/** The Basic credentials header of a client (RFC 6749 §2.3.1: form-urlencoded, then base64). */
export function basicAuth(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString("base64")}`;
}

/**
 * POST the same form to `path` again and again.
 * @example await postForm(url, "/token", "grant_type=client_credentials", auth, { connections: 16, seconds: 5 });
 */
export async function postForm(url: string, path: string, form: string, authorization: string, shape: LoadShape): Promise<LoadResult> {
  const result = await autocannon({
    url: url + path,
    connections: shape.connections,
    ...limits(shape),
    timeout: 10,
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization },
    body: form,
  });
  return summarise(result);
}

/**
 * Refresh-token chains: `tokens` is a pool of live refresh tokens (more than `connections`); each request
 * takes one from the pool and a 200 puts its successor back, so every token is presented exactly once and
 * the families keep rotating. A failed request drops its chain; when the pool is empty a request presents
 * an invalid token (and fails visibly).
 * @returns the load result and the live tokens left in the pool (reusable by a later run).
 */
export async function rotateChains(
  url: string,
  authorization: string,
  tokens: string[],
  shape: LoadShape,
): Promise<{ load: LoadResult; pool: string[] }> {
  const pool = [...tokens];
  const request: AutocannonRequest = {
    method: "POST",
    path: "/token",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization },
    setupRequest(req) {
      const token = pool.shift() ?? "rt_pool_exhausted";
      return { ...req, body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}` };
    },
    onResponse(status, body) {
      if (status !== 200) return;
      try {
        const next = (JSON.parse(body) as { refresh_token?: unknown }).refresh_token;
        if (typeof next === "string") pool.push(next);
      } catch {
        // Not JSON: the chain ends here; the failure shows in the status counts.
      }
    },
  };
  const result = await autocannon({ url, connections: shape.connections, ...limits(shape), timeout: 10, requests: [request] });
  return { load: summarise(result), pool };
}
