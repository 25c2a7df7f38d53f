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
  unavailable(c: Context, dependency: string): Response;
  badRequest(c: Context, status: number, message: string): Response;
  internal(c: Context): Response;
}

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
function handlerFor(logger: Logger, format: ErrorFormat) {
  return (err: Error, c: Context): Response => {
    const typed = typedAnswer(err, c);
    if (typed) return typed;
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
 * The app's `onError`: problem+json for whatever no route group answered itself.
 * @example app.onError(errorHandler(logger));
 */
export function errorHandler(logger: Logger) {
  return handlerFor(logger, PROBLEM_FORMAT);
}

/**
 * The OAuth endpoints' `onError` (RFC 6749 §5.2 JSON; 503 `temporarily_unavailable` when a dependency is down).
 * @example new Hono().onError(oauthErrorHandler(deps.logger)).post("/revoke", handler);
 */
export function oauthErrorHandler(logger: Logger) {
  return handlerFor(logger, OAUTH_FORMAT);
}

/** 404 handler in problem+json. */
export function notFound(c: Context): Response {
  return problem(c, 404, "Not Found");
}
