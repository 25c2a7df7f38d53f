/**
 * One structured line per request — method, route pattern, status, duration, client id when known, request
 * id — and the request metrics. Never the path's values, the query string, a header or a body: the route PATTERN
 * (`/auth/:provider/callback`) stands for the path, so codes, states and tokens cannot reach a log line.
 *
 * Statuses choose the level: 5xx error, 429 (a rate limit or a lockout: a security event) warn, else info.
 */
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Logger } from "../lib/log";
import type { Metrics } from "./metrics";

declare module "hono" {
  interface ContextVariableMap {
    /** The authenticated client of this request, set by the endpoints that authenticate one (for the request log). */
    clientId: string;
    /** This request's id: on its log line, in its `X-Request-Id` header and on its error page. */
    requestId: string;
  }
}

/** The response header naming the request, so a person or a client can quote it to an operator. */
export const REQUEST_ID_HEADER = "X-Request-Id";

/**
 * A fresh id for every request, never the caller's `X-Request-Id`: an id anyone can choose could forge or
 * collide with another request's log line, or carry text into the logs. A UUID is what log tools expect,
 * and `crypto.randomUUID` exists on Node and Workers alike.
 */
function newRequestId(): string {
  return crypto.randomUUID();
}

/**
 * Name the request on its response. Most responses have mutable headers; one built by `Response.redirect`
 * or passed through from `fetch` does not, and Hono's `c.header` copies the response in that case.
 */
function tagResponse(c: Context, id: string): void {
  try {
    c.res.headers.set(REQUEST_ID_HEADER, id);
  } catch {
    c.header(REQUEST_ID_HEADER, id);
  }
}

/**
 * The route pattern of the request: the last matched route is the handler it was meant for, even when a
 * middleware answered first (a refusal). "*" when only catch-all middleware matched (unknown paths).
 */
function routeOf(c: Context): string {
  const path = routePath(c, -1);
  return path === "/*" || path === "" ? "*" : path;
}

/**
 * Log and count every request (mount first, so it sees every answer, errors and refusals included), and give
 * it the id that ties its log line, its `X-Request-Id` response header and its error page together.
 * @example app.use("*", requestLog(logger, metrics));
 */
export function requestLog(logger: Logger, metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const start = performance.now();
    const requestId = newRequestId();
    c.set("requestId", requestId);
    await next();
    tagResponse(c, requestId);
    const seconds = (performance.now() - start) / 1000;
    const status = c.res.status;
    const route = routeOf(c);
    metrics.request(c.req.method, route, status, seconds);
    // Set by the endpoints once the client authenticated (oauth/endpoint.ts): a claimed id is never logged.
    const fields = { method: c.req.method, route, status, ms: Math.round(seconds * 10_000) / 10, client_id: c.get("clientId"), request_id: requestId };
    if (status >= 500) logger.error("request", fields);
    else if (status === 429) logger.warn("request refused by a rate limit", fields);
    else logger.info("request", fields);
  };
}
