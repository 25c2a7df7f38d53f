/**
 * Every request body is bounded while it streams, before any handler parses it (chunked bodies included,
 * which declare no length). hono's `bodyLimit` does the counting on both runtimes; this file only decides
 * the size and answers 413 in the format of the route that was asked: OAuth JSON at the OAuth endpoints,
 * an HTML page on browser routes, problem+json elsewhere.
 */
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { MAX_FORM_BYTES } from "../oauth/form";
import { errorPage } from "../ui/error-page";
import { problem } from "./problem";

/** Paths answered in the OAuth JSON error shape (RFC 6749 §5.2). */
const OAUTH_PATHS = new Set(["/token", "/revoke", "/introspect"]);

/** Paths people reach with a browser: they get a readable page. */
const BROWSER_PATH = /^\/(?:auth\/|account(?:\/|$)|logout$|authorize(?:\/|$)|signin$|$)/;

/** The message of every 413. */
const TOO_LARGE = `request body too large (at most ${MAX_FORM_BYTES} bytes)`;

// Nothing more of the body is read after this answer. Node closes the connection once it is sent, so a
// client still writing a large body may see the connection reset rather than the 413.
const NO_STORE = { "Cache-Control": "no-store" } as const;

function tooLarge(c: Context): Response | Promise<Response> {
  const path = c.req.path;
  if (OAUTH_PATHS.has(path)) return c.json({ error: "invalid_request", error_description: TOO_LARGE }, 413, NO_STORE);
  if (BROWSER_PATH.test(path)) {
    return errorPage(c, { status: 413, title: "Request too large", message: `The form sent was too large: ${TOO_LARGE}.` });
  }
  return problem(c, 413, "Payload Too Large", TOO_LARGE);
}

/**
 * Bound every request body to `maxBytes` (default {@link MAX_FORM_BYTES}: no route takes more than a form).
 * @example app.use("*", limitBodies());
 */
export function limitBodies(maxBytes: number = MAX_FORM_BYTES): MiddlewareHandler {
  const limit = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return (c, next) => {
    // GET and HEAD carry no body a handler could read; skipping them keeps the hot read paths free of work.
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    // A declared length is enforced by the HTTP parser: judge it from the header alone. Touching the body
    // here (as hono's bodyLimit does first) makes the Node adapter build a whole web Request, stream and
    // abort signal for every POST — a tenth of a token request's CPU. Readers stay bounded themselves.
    const declared = c.req.header("content-length");
    if (declared !== undefined && /^\d+$/.test(declared)) return Number(declared) > maxBytes ? Promise.resolve(tooLarge(c)) : next();
    return limit(c, next);
  };
}
