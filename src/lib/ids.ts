/**
 * Identifiers and opaque secrets. Every kind has its own prefix, so an account id can never equal a client
 * id (both may appear as a token's `sub`).
 */
import { sha256Base64Url } from "./digest";
import { toBase64Url } from "./secret";

/** Prefixes by kind of identifier. */
export const ID_PREFIX = {
  account: "acct_",
  client: "client_",
  identity: "idn_",
  session: "ses_",
  family: "fam_",
  jti: "at_",
} as const;

/** `n` random bytes, base64url. */
export function randomToken(bytes = 32): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** A new identifier of `kind` (128 random bits). */
export function newId(kind: keyof typeof ID_PREFIX): string {
  return ID_PREFIX[kind] + randomToken(16);
}

/** SHA-256 of a string, base64url: how opaque tokens are keyed at rest. */
export function sha256(text: string): Promise<string> {
  return sha256Base64Url(text);
}
