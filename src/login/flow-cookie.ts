/**
 * The signed flow cookie of an upstream login. @hono/oauth-providers keeps ONE unsigned `state` cookie
 * shared by every provider and never clears it, and has no PKCE or nonce; so we keep our own: one cookie
 * per provider (`ab_flow_github`, …), HMAC-signed with a key derived for cookie signing, HttpOnly,
 * SameSite=Lax (sent on the provider's top-level redirect back, not on cross-site POSTs), Secure on an
 * https issuer, scoped to `/auth/{provider}/`, valid 10 minutes and cleared after any callback.
 * On an https issuer the name carries the `__Secure-` prefix, so a plain-http page cannot set it
 * (`__Host-` would need Path=/, and the cookie is deliberately scoped to its provider's path).
 * The cookie alone does not make a flow single-use: the routes also record each flow's state in the
 * state store at start and take it once at the callback.
 */
import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import { z } from "zod";
import type { Config } from "../config";
import type { FlowSecrets } from "../domain";
import { fromBase64Url, toBase64Url } from "../lib/secret";
import { cookieSigningKey as signingKey } from "../session/cookie-key";

/** How long a started login may take, in seconds. */
export const FLOW_TTL_SECONDS = 600;

/** Why a login was started: a fresh login, or linking one more identity to the signed-in account. */
export type FlowIntent = "login" | "link";

/** Everything a login flow remembers between start and callback. */
export interface Flow extends FlowSecrets {
  intent: FlowIntent;
  /** A same-origin path, checked at start. */
  returnTo: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

const flowSchema = z.object({
  state: z.string().min(16),
  nonce: z.string().min(16),
  codeVerifier: z.string().min(43),
  intent: z.enum(["login", "link"]),
  returnTo: z.string(),
  expiresAt: z.number(),
});

/** Result of reading the cookie; `reason` tells the page (and logs) what was wrong. */
export type FlowRead = { ok: true; flow: Flow } | { ok: false; reason: "missing" | "tampered" | "malformed" | "expired" };

/** Cookie name for one provider: `__Secure-` prefixed on an https issuer. */
export function flowCookieName(config: Pick<Config, "issuer">, provider: string): string {
  return `${config.issuer.startsWith("https://") ? "__Secure-" : ""}ab_flow_${provider}`;
}

function random(bytes = 32): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/**
 * A new flow with fresh state, nonce and PKCE verifier (32 random bytes each).
 * @example const flow = newFlow("login", "/account", Date.now());
 */
export function newFlow(intent: FlowIntent, returnTo: string, now: number): Flow {
  return { state: random(), nonce: random(), codeVerifier: random(), intent, returnTo, expiresAt: now + FLOW_TTL_SECONDS * 1000 };
}

function cookieOptions(config: Config, provider: string) {
  return {
    path: `/auth/${provider}/`,
    httpOnly: true,
    sameSite: "Lax" as const,
    secure: config.issuer.startsWith("https://"),
  };
}

/**
 * Set the signed flow cookie on the response being built.
 * @example await writeFlowCookie(c, config, "github", flow);
 */
export async function writeFlowCookie(c: Context, config: Config, provider: string, flow: Flow): Promise<void> {
  const value = toBase64Url(new TextEncoder().encode(JSON.stringify(flow)));
  await setSignedCookie(c, flowCookieName(config, provider), value, (await signingKey(config)) as BufferSource, {
    ...cookieOptions(config, provider),
    maxAge: FLOW_TTL_SECONDS,
  });
}

/**
 * Read and verify the flow cookie; a bad signature, a bad shape or an expired flow is refused.
 * @example const read = await readFlowCookie(c, config, "github", Date.now());
 */
export async function readFlowCookie(c: Context, config: Config, provider: string, now: number): Promise<FlowRead> {
  const raw = await getSignedCookie(c, (await signingKey(config)) as BufferSource, flowCookieName(config, provider));
  if (raw === undefined) return { ok: false, reason: "missing" };
  if (raw === false) return { ok: false, reason: "tampered" };
  const bytes = fromBase64Url(raw);
  let json: unknown;
  try {
    json = bytes ? JSON.parse(new TextDecoder().decode(bytes)) : undefined;
  } catch {
    json = undefined;
  }
  const parsed = flowSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: "malformed" };
  // The cookie's Max-Age is only advice to the browser; the signed expiry is what counts.
  if (parsed.data.expiresAt <= now) return { ok: false, reason: "expired" };
  return { ok: true, flow: parsed.data };
}

/**
 * Expire the flow cookie (same name, path and flags, so the browser really drops it).
 * @example clearFlowCookie(c, config, "github");
 */
export function clearFlowCookie(c: Context, config: Config, provider: string): void {
  deleteCookie(c, flowCookieName(config, provider), cookieOptions(config, provider));
}

/** The `Set-Cookie` value that clears the cookie, for responses built outside `c`. */
export function clearFlowCookieHeader(config: Config, provider: string): string {
  const o = cookieOptions(config, provider);
  return `${flowCookieName(config, provider)}=; Max-Age=0; Path=${o.path}; HttpOnly; SameSite=Lax${o.secure ? "; Secure" : ""}`;
}
