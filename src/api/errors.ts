/**
 * The management API's error format: RFC 9457 problem+json for everything, RFC 6750 for bearer failures —
 * the app's own error handler (src/http/on-error.ts) after the services' refusals were given their status.
 * Installed on the API's sub-app, so its answers are the same mounted or not.
 */
import type { Context } from "hono";
import { AccountError } from "../accounts/errors";
import { AdminError, type AdminErrorCode, type InputProblem } from "../admin/errors";
import { ApiKeyError } from "../apikeys/registry";
import { ProblemError } from "../errors";
import { errorHandler } from "../http/on-error";
import type { Logger } from "../lib/log";

const STATUS: Record<AdminErrorCode, [number, string]> = {
  not_found: [404, "Not Found"],
  invalid_input: [400, "Bad Request"],
  conflict: [409, "Conflict"],
  forbidden: [403, "Forbidden"],
};

// The services name fields as the code does; the API's JSON names them in snake_case.
const RENAMED: Record<string, string> = { isPublic: "public", idTokenAlg: "id_token_signed_response_alg", userinfoAlg: "userinfo_signed_response_alg" };
const snake = (field: string) => field.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);

/**
 * A problem's field as the API's JSON names it.
 * @example apiField("redirectUris.0") // "redirect_uris.0"
 */
export function apiField(field: string): string {
  const [head = "", ...rest] = field.split(".");
  return [RENAMED[head] ?? snake(head), ...rest].join(".");
}

/** `field: message` lines for the problem's `errors` member. */
export function problemLines(problems: readonly InputProblem[]): string[] {
  return problems.map((p) => `${apiField(p.field)}: ${p.message}`);
}

/** A service's refusal as a problem; anything else unchanged. */
function asProblem(err: Error): Error {
  if (err instanceof AdminError) {
    const [status, title] = STATUS[err.code];
    if (err.problems.length === 0) return new ProblemError(status, title, err.message);
    const errors = problemLines(err.problems);
    return new ProblemError(status, title, errors.join("; "), { errors });
  }
  if (err instanceof ApiKeyError) return err.code === "not_found" ? new ProblemError(404, "Not Found", err.message) : new ProblemError(400, "Bad Request", err.message);
  if (err instanceof AccountError) return err.code === "not_found" ? new ProblemError(404, "Not Found", err.message) : new ProblemError(409, "Conflict", err.message);
  return err;
}

/**
 * The API's `onError`.
 * @example api.onError(apiErrorHandler(deps.logger));
 */
export function apiErrorHandler(logger: Logger) {
  const handle = errorHandler(logger);
  return (err: Error, c: Context): Response | Promise<Response> => handle(asProblem(err), c);
}
