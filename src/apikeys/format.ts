/**
 * The API key format, after GitHub's token format: `abk_` + 43 base62 characters of CSPRNG output
 * (43 × log2 62 ≈ 256.03 bits) + 6 base62 characters of a CRC-32 of those 43. The prefix lets a secret
 * scanner find keys; the checksum lets it (and `requireAuth`) tell a real key from noise offline, with no
 * look-up. CRC-32 is an error-detecting code, not a MAC: forging it is easy and harmless, since the key is
 * still looked up by its keyed hash before anything trusts it.
 *
 * Pure and dependency-free: the verify package bundles this file.
 */

/** Every API key starts with this. */
export const API_KEY_PREFIX = "abk_";
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const RANDOM_CHARS = 43;
const CHECKSUM_CHARS = 6; // 62^6 > 2^32
/** Length of a whole key. */
export const API_KEY_LENGTH = API_KEY_PREFIX.length + RANDOM_CHARS + CHECKSUM_CHARS;
const SHAPE = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{${RANDOM_CHARS + CHECKSUM_CHARS}}$`);

let crcTable: Uint32Array | undefined;
function crc32(text: string): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) crc = crcTable[(crc ^ text.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function checksum(body: string): string {
  let n = crc32(body);
  let out = "";
  for (let i = 0; i < CHECKSUM_CHARS; i++) {
    out = ALPHABET[n % 62]! + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/**
 * A new API key. Base62 digits are drawn from CSPRNG bytes by rejection (bytes ≥ 248 are skipped), so
 * every digit is uniform.
 * @example const key = generateApiKey(); // "abk_…" (53 characters)
 */
export function generateApiKey(): string {
  let body = "";
  while (body.length < RANDOM_CHARS) {
    for (const b of crypto.getRandomValues(new Uint8Array(64))) {
      if (b < 248 && body.length < RANDOM_CHARS) body += ALPHABET[b % 62];
    }
  }
  return API_KEY_PREFIX + body + checksum(body);
}

/**
 * Whether `text` has the shape of an API key (prefix, alphabet, length): cheap, for routing a bearer value.
 * @example if (looksLikeApiKey(token)) …
 */
export function looksLikeApiKey(text: string): boolean {
  return text.startsWith(API_KEY_PREFIX);
}

/**
 * Whether `text` is a well-formed API key whose checksum holds. Offline: no look-up is needed to refuse noise.
 * @example isWellFormedApiKey("abk_" + "x".repeat(49)) // false
 */
export function isWellFormedApiKey(text: string): boolean {
  if (text.length !== API_KEY_LENGTH || !SHAPE.test(text)) return false;
  const body = text.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + RANDOM_CHARS);
  return checksum(body) === text.slice(API_KEY_PREFIX.length + RANDOM_CHARS);
}

/** The part of a key that may be shown again (`abk_AbC…` + last four), e.g. in lists. */
export function apiKeyHint(key: string): string {
  return `${key.slice(0, API_KEY_PREFIX.length + 4)}…${key.slice(-4)}`;
}
