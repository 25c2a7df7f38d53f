/**
 * An authorization request between its checks at `/authorize` and its answer: the validated request (kept
 * in the state store while the person signs in, or decides on the consent screen), and the two ways it
 * ends at the client's redirect URI — a code, or an error — always with `state` and `iss` (RFC 9207).
 */
import type { Context } from "hono";
import { z } from "zod";
import type { AppDeps } from "../deps";
import { issueCode } from "./codes";

/** A validated authorization request. */
export const PendingRequest = z.object({
  clientId: z.string(),
  redirectUri: z.string(),
  redirectUriSent: z.boolean(),
  codeChallenge: z.string(),
  state: z.string().optional(),
  /** The scopes the code will stand for (for third-party clients: already within the resource and the client). */
  scopes: z.array(z.string()),
  aud: z.string(),
  /** `prompt=consent`: ask again even when a consent covers the request. */
  promptConsent: z.boolean().default(false),
  /** OpenID Connect `nonce`, kept with the code. */
  nonce: z.string().optional(),
  /**
   * Set when the request demanded a fresh sign-in (`prompt=login`, `max_age`): only a session started at or
   * after this moment (epoch ms) may answer it.
   */
  signInAfter: z.number().optional(),
});
/** A validated authorization request. */
export type PendingRequest = z.infer<typeof PendingRequest>;

/**
 * Redirect to the client with `params`, `iss` added (RFC 9207). 302 after a GET, 303 after a POST (the
 * consent form): the browser must never re-send anything to the client.
 * @example return redirectToClient(c, issuer, redirectUri, { error: "access_denied", state }, 303);
 */
export function redirectToClient(c: Context, issuer: string, redirectUri: string, params: Record<string, string | undefined>, status: 302 | 303 = 302): Response {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  url.searchParams.set("iss", issuer);
  return c.redirect(url.toString(), status);
}

/**
 * Answer the request with a fresh code for the signed-in person.
 * @example return answerWithCode(c, deps, pending, session);
 */
export async function answerWithCode(
  c: Context,
  deps: AppDeps,
  req: PendingRequest,
  session: { sid: string; accountId: string; createdAt: number },
  status: 302 | 303 = 302,
): Promise<Response> {
  const code = await issueCode(deps, {
    clientId: req.clientId,
    redirectUri: req.redirectUri,
    redirectUriSent: req.redirectUriSent,
    codeChallenge: req.codeChallenge,
    accountId: session.accountId,
    sid: session.sid,
    scopes: req.scopes,
    aud: req.aud,
    ...(req.nonce !== undefined ? { nonce: req.nonce } : {}),
    authTime: session.createdAt,
  });
  c.header("Cache-Control", "no-store");
  return redirectToClient(c, deps.config.issuer, req.redirectUri, { code, state: req.state }, status);
}
