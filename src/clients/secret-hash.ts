/**
 * Client secrets at rest. A secret is 256 random bits, so a fast keyed hash is enough (no password
 * stretching needed); verification goes through WebCrypto's HMAC verify, which compares in constant time.
 */
import { hmacKey } from "../lib/digest";
import { randomToken } from "../lib/ids";
import { fromBase64Url, toBase64Url } from "../lib/secret";

// Fixed, public HMAC key: it only makes verification constant-time; the secret's entropy is the protection.
const HMAC = hmacKey(new TextEncoder().encode("authbridge client secret v1"));

/** A new client secret: 256 random bits, shown to the operator once. */
export function newClientSecret(): string {
  return `secret_${randomToken(32)}`;
}

/** The stored form of a secret. */
export async function hashClientSecret(secret: string): Promise<string> {
  return `v1:${toBase64Url(await HMAC.sign(secret))}`;
}

/** Constant-time check of a presented secret against its stored hash. */
export async function verifyClientSecret(presented: string, stored: string): Promise<boolean> {
  if (!stored.startsWith("v1:")) return false;
  const mac = fromBase64Url(stored.slice(3));
  if (!mac) return false;
  return HMAC.verify(mac, presented);
}
