/** The HMAC key for our signed cookies, derived once per secret (HKDF purpose "cookie-signing"). */
import type { Config } from "../config";
import { deriveKey } from "../lib/secret";

const keys = new WeakMap<Uint8Array, Promise<Uint8Array>>();

/** The cookie-signing key for `config.secret`. */
export function cookieSigningKey(config: Config): Promise<Uint8Array> {
  let k = keys.get(config.secret);
  if (!k) {
    k = deriveKey(config.secret, "cookie-signing");
    keys.set(config.secret, k);
  }
  return k;
}
