/**
 * RFC 9457 `application/problem+json` answers: the one builder for every non-OAuth JSON error (the error
 * handler, the body limit, the health check, the Workers entry), so they all carry the same fields and headers.
 */
import type { Context } from "hono";

const HEADERS = { "Content-Type": "application/problem+json", "Cache-Control": "no-store" } as const;

function body(status: number, title: string, detail: string | undefined, extra: Record<string, unknown> | undefined): string {
  return JSON.stringify({ type: "about:blank", title, status, ...(detail ? { detail } : {}), ...extra });
}

/**
 * A problem+json response, never cached; `extra` members follow the standard ones.
 * @example return problem(c, 503, "Service Unavailable", "database unavailable", { checks });
 */
export function problem(c: Context, status: number, title: string, detail?: string, extra?: Record<string, unknown>): Response {
  return c.body(body(status, title, detail, extra), status as 400, HEADERS);
}

/**
 * The same answer where there is no request context yet (the Workers entry, before the app exists).
 * @example return problemResponse(500, "Invalid Configuration", "configuration is invalid: DATABASE_URL");
 */
export function problemResponse(status: number, title: string, detail?: string, extra?: Record<string, unknown>): Response {
  return new Response(body(status, title, detail, extra), { status, headers: HEADERS });
}
