/** The HMAC key for our signed cookies, derived once per secret (HKDF purpose "cookie-signing"). */
import type { Config } from "../config";
import { derivedKey } from "../lib/secret";

/** The cookie-signing key for `config.secret`. */
export function cookieSigningKey(config: Config): Promise<Uint8Array> {
  return derivedKey(config.secret, "cookie-signing");
}
