/**
 * The one place where errors become HTTP responses, in the formats of the contract:
 * OAuth endpoints answer RFC 6749 JSON, other JSON endpoints RFC 9457 problem+json. Nothing here ever
 * includes a stack trace, a secret or a token hash.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { BearerError, DependencyUnavailableError, OAuthError, ProblemError } from "../errors";
import type { Logger } from "../lib/log";
import { StoreUnavailableError } from "../store/store";
import { TimeoutError } from "../lib/timeout";
import { invalidToken, malformedRequest, missingToken } from "../verify/challenge";

/** Realm of our own bearer-protected endpoints (`/userinfo`). */
const BEARER_REALM = "authbridge";

/** Paths whose errors use the OAuth JSON shape. */
const OAUTH_PATHS = new Set(["/token", "/revoke", "/introspect"]);

function oauthJson(c: Context, status: number, error: string, description: string, headers?: Record<string, string>) {
  return c.json({ error, error_description: description }, status as 400, {
    "Cache-Control": "no-store",
    ...headers,
  });
}

function problem(c: Context, status: number, title: string, detail?: string, extra?: Record<string, unknown>) {
  return c.body(JSON.stringify({ type: "about:blank", title, status, ...(detail ? { detail } : {}), ...extra }), status as 400, {
    "Content-Type": "application/problem+json",
    "Cache-Control": "no-store",
  });
}

/** Which dependency an error means is down, if any. */
export function unavailableDependency(err: unknown): string | undefined {
  if (err instanceof DependencyUnavailableError) return err.dependency;
  if (err instanceof StoreUnavailableError) return "state store";
  if (err instanceof TimeoutError) return "a dependency";
  return undefined;
}

/**
 * Build the `app.onError` handler.
 * @example app.onError(errorHandler(logger));
 */
export function errorHandler(logger: Logger) {
  return (err: Error, c: Context): Response => {
    const isOAuth = OAUTH_PATHS.has(c.req.path);
    if (err instanceof OAuthError) {
      const headers: Record<string, string> = err.basicChallenge ? { "WWW-Authenticate": 'Basic realm="authbridge", charset="UTF-8"' } : {};
      return oauthJson(c, err.status, err.code, err.description, headers);
    }
    if (err instanceof BearerError) {
      // The same RFC 6750 answers as the verify middleware gives, built by the same code.
      if (err.kind === "missing") return missingToken(BEARER_REALM);
      if (err.kind === "malformed") return malformedRequest(BEARER_REALM, err.description);
      return invalidToken(BEARER_REALM, err.description);
    }
    if (err instanceof ProblemError) return problem(c, err.status, err.title, err.detail, err.extra);
    const down = unavailableDependency(err);
    if (down) {
      logger.warn("dependency unavailable", { dependency: down, path: c.req.path, error: err.message });
      if (isOAuth) return oauthJson(c, 503, "temporarily_unavailable", `${down} unavailable, try again shortly`, { "Retry-After": "2" });
      return problem(c, 503, "Service Unavailable", `${down} unavailable`);
    }
    if (err instanceof HTTPException && err.status < 500) {
      if (isOAuth) return oauthJson(c, err.status, "invalid_request", err.message || "bad request");
      return problem(c, err.status, err.message || "Bad Request");
    }
    logger.error("unhandled error", { path: c.req.path, name: err.name, error: err.message });
    if (isOAuth) return oauthJson(c, 500, "server_error", "internal error");
    return problem(c, 500, "Internal Server Error");
  };
}

/** 404 handler in problem+json. */
export function notFound(c: Context): Response {
  return problem(c, 404, "Not Found");
}
