/**
 * CSRF protection for the account page's forms: hono/csrf refuses cross-origin form posts (Origin and
 * Sec-Fetch-Site), and every form also carries a token bound to the session (HMAC of the session id),
 * checked with WebCrypto's constant-time verify.
 */
import type { Config } from "../config";
import { fromBase64Url, toBase64Url } from "../lib/secret";
import { cookieSigningKey } from "./cookie-key";

async function hmacKey(config: Config) {
  return crypto.subtle.importKey("raw", (await cookieSigningKey(config)) as BufferSource, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

/** The form token for session `sid`. */
export async function csrfToken(config: Config, sid: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(config), new TextEncoder().encode(`csrf:${sid}`));
  return toBase64Url(new Uint8Array(mac));
}

/** Whether `token` is the form token of session `sid`. */
export async function checkCsrfToken(config: Config, sid: string, token: string | undefined): Promise<boolean> {
  const mac = token ? fromBase64Url(token) : undefined;
  if (!mac) return false;
  return crypto.subtle.verify("HMAC", await hmacKey(config), mac as BufferSource, new TextEncoder().encode(`csrf:${sid}`));
}
