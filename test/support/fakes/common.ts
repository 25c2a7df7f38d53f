/** Small helpers shared by the platform fakes. */
import { HttpResponse } from "msw";

/** A platform's health: answering, down (HTTP 503), or hanging until the caller gives up. */
export type Outage = "none" | "down" | "hang";

/** The 503 a platform answers with during an outage (HTML, like a real edge error page). */
export function outage(): Response {
  return new HttpResponse("<html><body><h1>503 Service Unavailable</h1></body></html>", {
    status: 503,
    headers: { "Content-Type": "text/html" },
  });
}

/**
 * Never answers; settles only when the caller aborts (no timer keeps the process alive). It settles with a
 * network error rather than rejecting: the caller has already given up, and a rejected handler makes msw
 * print the abort's stack trace on every passing run.
 */
export function hang(request: Request): Promise<Response> {
  return new Promise((resolve) => request.signal.addEventListener("abort", () => resolve(HttpResponse.error()), { once: true }));
}

/** The token of an `Authorization` header with one of the given schemes. */
export function bearer(request: Request, schemes: string[]): string | undefined {
  const m = /^(\S+)\s+(\S+)$/.exec(request.headers.get("authorization") ?? "");
  return m && schemes.some((s) => s.toLowerCase() === m[1]?.toLowerCase()) ? m[2] : undefined;
}

/** Body parameters of a form or JSON POST. */
export async function readParams(request: Request): Promise<URLSearchParams> {
  const text = await request.text();
  if ((request.headers.get("content-type") ?? "").includes("application/json")) {
    const out = new URLSearchParams();
    for (const [k, v] of Object.entries(JSON.parse(text) as Record<string, unknown>)) if (v != null) out.set(k, String(v));
    return out;
  }
  return new URLSearchParams(text);
}

/** A 302 to `target` with the given query parameters added (undefined ones skipped). */
export function redirect(target: string, params: Record<string, string | undefined>): Response {
  const url = new URL(target);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return new HttpResponse(null, { status: 302, headers: { Location: url.href } });
}

/** A random opaque value. */
export function randomToken(prefix = ""): string {
  return prefix + crypto.randomUUID().replace(/-/g, "");
}
