/**
 * SHA-256 and HMAC-SHA-256 for the hot paths (refresh rotation, client authentication). On Node the
 * built-in `crypto` module computes them synchronously — several times cheaper than a WebCrypto round
 * through its job queue; on Workers (no `process`) WebCrypto does the work. Either way the algorithms are
 * the platform's: nothing here is hand-made cryptography.
 */
import { nodeCrypto } from "./node-crypto";
import { toBase64Url } from "./secret";

const node = nodeCrypto;

const encoder = new TextEncoder();

/** SHA-256 of a UTF-8 string, base64url. */
export async function sha256Base64Url(text: string): Promise<string> {
  if (node) return node.createHash("sha256").update(text, "utf8").digest("base64url");
  return toBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text))));
}

/** A reusable HMAC-SHA-256 key. */
export interface HmacKey {
  /** The MAC of `data`. */
  sign(data: string): Promise<Uint8Array>;
  /** Constant-time check of `mac` against the MAC of `data`. */
  verify(mac: Uint8Array, data: string): Promise<boolean>;
}

/**
 * An HMAC-SHA-256 key over raw bytes.
 * @example const key = hmacKey(rawBytes); const mac = await key.sign("successor:" + token);
 */
export function hmacKey(raw: Uint8Array): HmacKey {
  if (node) {
    const secret = Buffer.from(raw);
    const mac = (data: string) => node.createHmac("sha256", secret).update(data, "utf8").digest();
    return {
      sign: async (data) => new Uint8Array(mac(data)),
      verify: async (given, data) => {
        const expected = mac(data);
        return given.length === expected.length && node.timingSafeEqual(given, expected);
      },
    };
  }
  const key = crypto.subtle.importKey("raw", raw as BufferSource, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
  return {
    sign: async (data) => new Uint8Array(await crypto.subtle.sign("HMAC", await key, encoder.encode(data))),
    verify: async (given, data) => crypto.subtle.verify("HMAC", await key, given as BufferSource, encoder.encode(data)),
  };
}
