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
  apiKey: "key_",
} as const;

// Random bytes are drawn from the CSPRNG a few kilobytes at a time and handed out once each: one
// getRandomValues call per ~100 identifiers instead of one per identifier (a measurable share of issuing).
const POOL_BYTES = 4096;
let pool = new Uint8Array(0);
let offset = 0;

/** `n` fresh CSPRNG bytes (never handed out twice). */
function randomBytes(n: number): Uint8Array {
  if (n > POOL_BYTES) return crypto.getRandomValues(new Uint8Array(n));
  if (offset + n > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_BYTES));
    offset = 0;
  }
  const out = pool.slice(offset, offset + n);
  pool.fill(0, offset, offset + n); // what was handed out does not stay in the pool
  offset += n;
  return out;
}

/** `n` random bytes, base64url. */
export function randomToken(bytes = 32): string {
  return toBase64Url(randomBytes(bytes));
}

/** A new identifier of `kind` (128 random bits). */
export function newId(kind: keyof typeof ID_PREFIX): string {
  return ID_PREFIX[kind] + randomToken(16);
}

/** SHA-256 of a string, base64url: how opaque tokens are keyed at rest. */
export function sha256(text: string): Promise<string> {
  return sha256Base64Url(text);
}
