/**
 * Reading OAuth request bodies: `application/x-www-form-urlencoded` only, bounded in size, every parameter
 * at most once (RFC 6749 §3.2). Anything else is `invalid_request`, never a 5xx.
 */
import type { Context } from "hono";
import { OAuthError } from "../errors";

/** Largest body accepted at the OAuth endpoints (bytes). */
export const MAX_FORM_BYTES = 16 * 1024;

/** Parameters that may legitimately repeat (RFC 8707 `resource`). */
const REPEATABLE = new Set(["resource"]);

/** A parsed form: single values, plus every value of the repeatable parameters. */
export interface OAuthForm {
  params: Record<string, string>;
  resources: string[];
}

/**
 * Parse the request's form body.
 * @example const { params } = await readForm(c);
 */
export async function readForm(c: Context): Promise<OAuthForm> {
  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded")
    throw new OAuthError("invalid_request", "the body must be application/x-www-form-urlencoded");
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > MAX_FORM_BYTES) throw new OAuthError("invalid_request", "request body too large");
  let text: string;
  try {
    text = await c.req.text();
  } catch {
    throw new OAuthError("invalid_request", "unreadable request body");
  }
  if (text.length > MAX_FORM_BYTES) throw new OAuthError("invalid_request", "request body too large");
  const params: Record<string, string> = {};
  const resources: string[] = [];
  let search: URLSearchParams;
  try {
    search = new URLSearchParams(text);
  } catch {
    throw new OAuthError("invalid_request", "malformed form body");
  }
  for (const [k, v] of search) {
    if (k === "resource") {
      resources.push(v);
      continue;
    }
    if (Object.hasOwn(params, k) && !REPEATABLE.has(k)) throw new OAuthError("invalid_request", `parameter ${k} given more than once`);
    if (v === "") continue; // RFC 6749 §3.1: empty parameters are treated as omitted
    params[k] = v;
  }
  return { params, resources };
}

/** Split a `scope` parameter into tokens (RFC 6749 §3.3). */
export function parseScope(scope: string | undefined): string[] {
  if (!scope) return [];
  if (!/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/.test(scope)) throw new OAuthError("invalid_scope", "malformed scope");
  return [...new Set(scope.split(" "))];
}
