/**
 * Where errors become HTTP responses, in the formats of the contract. Each route group owns its format:
 * the OAuth endpoints (`/token`, `/revoke`, `/introspect`) install {@link oauthErrorHandler} on their own
 * sub-app (RFC 6749 JSON); everything else falls to the app's {@link errorHandler} (RFC 9457
 * problem+json; HTML pages answer their errors themselves). Typed errors answer the same everywhere.
 * Nothing here ever includes a stack trace, a secret or a token hash.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { BearerError, DependencyUnavailableError, OAuthError, ProblemError } from "../errors";
import type { Logger } from "../lib/log";
import { StoreUnavailableError } from "../store/store";
import { TimeoutError } from "../lib/timeout";
import { invalidToken, malformedRequest, missingToken } from "../verify/challenge";
import { errorPage } from "../ui/error-page";
import { problem } from "./problem";

/** Realm of our own bearer-protected endpoints (`/userinfo`). */
const BEARER_REALM = "authbridge";

function oauthJson(c: Context, status: number, error: string, description: string, headers?: Record<string, string>) {
  return c.json({ error, error_description: description }, status as 400, {
    "Cache-Control": "no-store",
    ...headers,
  });
}

/** Which dependency an error means is down, if any. */
export function unavailableDependency(err: unknown): string | undefined {
  if (err instanceof DependencyUnavailableError) return err.dependency;
  if (err instanceof StoreUnavailableError) return "state store";
  if (err instanceof TimeoutError) return "a dependency";
  return undefined;
}

/** The answers of typed errors, whichever route threw them; undefined for anything else. */
function typedAnswer(err: Error, c: Context): Response | undefined {
  if (err instanceof OAuthError) {
    const headers: Record<string, string> = err.basicChallenge ? { "WWW-Authenticate": 'Basic realm="authbridge", charset="UTF-8"' } : {};
    if (err.retryAfterSeconds !== undefined) headers["Retry-After"] = String(err.retryAfterSeconds);
    return oauthJson(c, err.status, err.code, err.description, headers);
  }
  if (err instanceof BearerError) {
    // The same RFC 6750 answers as the verify middleware gives, built by the same code.
    if (err.kind === "missing") return missingToken(BEARER_REALM);
    if (err.kind === "malformed") return malformedRequest(BEARER_REALM, err.description);
    return invalidToken(BEARER_REALM, err.description);
  }
  if (err instanceof ProblemError) return problem(c, err.status, err.title, err.detail, err.extra);
  return undefined;
}

/** How one route group words the errors that are not typed: a dependency down, a bad request, a bug. */
interface ErrorFormat {
  unavailable(c: Context, dependency: string): Response | Promise<Response>;
  badRequest(c: Context, status: number, message: string): Response | Promise<Response>;
  internal(c: Context): Response | Promise<Response>;
}

/**
 * A person's browser navigating (not an API call): such requests get the HTML error page, with its way out
 * and request id, instead of problem+json. Browsers say so with `Sec-Fetch-Mode: navigate`; older ones
 * with an `Accept` that prefers HTML. JSON routes (`/api/`, `/.well-known/`) always answer JSON.
 */
function isPageRequest(c: Context): boolean {
  const path = c.req.path;
  if (path.startsWith("/api/") || path.startsWith("/.well-known/")) return false;
  if (c.req.header("sec-fetch-mode") === "navigate") return true;
  const accept = c.req.header("accept") ?? "";
  return c.req.method === "GET" && accept.includes("text/html");
}

const PAGE_FORMAT: ErrorFormat = {
  unavailable: (c) => errorPage(c, { status: 503, title: "Temporarily unavailable", message: "A service this page needs is not answering. Please try again in a moment." }),
  badRequest: (c, status) => errorPage(c, { status, title: "Request not understood", message: "This address or form could not be read." }),
  internal: (c) => errorPage(c, { status: 500, title: "Something went wrong", message: "The error was logged. Please try again; if it keeps happening, quote the request id below." }),
};

const PROBLEM_FORMAT: ErrorFormat = {
  unavailable: (c, down) => problem(c, 503, "Service Unavailable", `${down} unavailable`),
  badRequest: (c, status, message) => problem(c, status, message || "Bad Request"),
  internal: (c) => problem(c, 500, "Internal Server Error"),
};

const OAUTH_FORMAT: ErrorFormat = {
  unavailable: (c, down) => oauthJson(c, 503, "temporarily_unavailable", `${down} unavailable, try again shortly`, { "Retry-After": "2" }),
  badRequest: (c, status, message) => oauthJson(c, status, "invalid_request", message || "bad request"),
  internal: (c) => oauthJson(c, 500, "server_error", "internal error"),
};

// The request id (http/request-log.ts) ties these lines to the request's own log line and to the id a
// person reads on an error page or in the `X-Request-Id` header.
function handlerFor(logger: Logger, apiFormat: ErrorFormat, pages = false) {
  return (err: Error, c: Context): Response | Promise<Response> => {
    const typed = typedAnswer(err, c);
    if (typed) return typed;
    const format = pages && isPageRequest(c) ? PAGE_FORMAT : apiFormat;
    const down = unavailableDependency(err);
    if (down) {
      logger.warn("dependency unavailable", { dependency: down, path: c.req.path, error: err.message, request_id: c.get("requestId") });
      return format.unavailable(c, down);
    }
    if (err instanceof HTTPException && err.status < 500) return format.badRequest(c, err.status, err.message);
    logger.error("unhandled error", { path: c.req.path, name: err.name, error: err.message, request_id: c.get("requestId") });
    return format.internal(c);
  };
}

/**
 * The app's `onError`: problem+json for whatever no route group answered itself, or the HTML error page
 * when a browser navigated there.
 * @example app.onError(errorHandler(logger));
 */
export function errorHandler(logger: Logger) {
  return handlerFor(logger, PROBLEM_FORMAT, true);
}

/**
 * The OAuth endpoints' `onError` (RFC 6749 §5.2 JSON; 503 `temporarily_unavailable` when a dependency is down).
 * @example new Hono().onError(oauthErrorHandler(deps.logger)).post("/revoke", handler);
 */
export function oauthErrorHandler(logger: Logger) {
  return handlerFor(logger, OAUTH_FORMAT);
}

/** 404 handler: problem+json, or the HTML error page for a browser navigating to an unknown page. */
export function notFound(c: Context): Response | Promise<Response> {
  if (isPageRequest(c)) return errorPage(c, { status: 404, title: "Page not found", message: "There is no page at this address." });
  return problem(c, 404, "Not Found");
}
