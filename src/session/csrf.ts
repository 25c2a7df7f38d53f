/**
 * CSRF protection for the account page's forms: hono/csrf refuses cross-origin form posts (Origin and
 * Sec-Fetch-Site), and every form also carries a token bound to the session (HMAC of the session id),
 * checked in constant time.
 */
import type { Config } from "../config";
import { hmacKey, type HmacKey } from "../lib/digest";
import { fromBase64Url, toBase64Url } from "../lib/secret";
import { cookieSigningKey } from "./cookie-key";

const keys = new WeakMap<Config, Promise<HmacKey>>();
function key(config: Config): Promise<HmacKey> {
  let k = keys.get(config);
  if (!k) {
    k = cookieSigningKey(config).then(hmacKey);
    keys.set(config, k);
  }
  return k;
}

/** The form token for session `sid`. */
export async function csrfToken(config: Config, sid: string): Promise<string> {
  return toBase64Url(await (await key(config)).sign(`csrf:${sid}`));
}

/** Whether `token` is the form token of session `sid`. */
export async function checkCsrfToken(config: Config, sid: string, token: string | undefined): Promise<boolean> {
  const mac = token ? fromBase64Url(token) : undefined;
  if (!mac) return false;
  return (await key(config)).verify(mac, `csrf:${sid}`);
}
