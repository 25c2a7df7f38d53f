/**
 * RFC 9457 `application/problem+json` answers: the one builder for every non-OAuth JSON error (the error
 * handler, the body limit, the health check), so they all carry the same fields and headers.
 */
import type { Context } from "hono";

/**
 * A problem+json response, never cached; `extra` members follow the standard ones.
 * @example return problem(c, 503, "Service Unavailable", "database unavailable", { checks });
 */
export function problem(c: Context, status: number, title: string, detail?: string, extra?: Record<string, unknown>): Response {
  return c.body(JSON.stringify({ type: "about:blank", title, status, ...(detail ? { detail } : {}), ...extra }), status as 400, {
    "Content-Type": "application/problem+json",
    "Cache-Control": "no-store",
  });
}
