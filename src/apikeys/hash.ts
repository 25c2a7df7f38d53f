/**
 * How API keys are kept at rest: HMAC-SHA-256 under a subkey of AUTHBRIDGE_SECRET, base64url.
 *
 * A fast hash is the right tool here, unlike for passwords: a key is 256 bits from the CSPRNG, so there is
 * nothing to guess and a slow hash (bcrypt, argon2) would only add CPU to every check. Keyed rather than a
 * bare SHA-256, so a copy of the database alone cannot even confirm whether a leaked string is a live key.
 */
import { hmacKey, type HmacKey } from "../lib/digest";
import { derivedKey, toBase64Url } from "../lib/secret";

const keys = new WeakMap<Uint8Array, Promise<HmacKey>>();

/**
 * The stored hash of `key` under the server's secret.
 * @example const hash = await apiKeyHash(deps.config.secret, presented);
 */
export async function apiKeyHash(secret: Uint8Array, key: string): Promise<string> {
  let k = keys.get(secret);
  if (!k) keys.set(secret, (k = derivedKey(secret, "api-key-hash").then(hmacKey)));
  return toBase64Url(await (await k).sign(key));
}
