/**
 * AUTHBRIDGE_SECRET handling: decoding, generation, and purpose-bound subkeys (HKDF-SHA-256 via WebCrypto),
 * so cookie signing and encryption never share key material.
 */

const MIN_BYTES = 32;

/** Node's Buffer where it exists: base64url in native code (tokens and MACs are encoded on every request). */
const NodeBuffer = (globalThis as { Buffer?: { from(data: Uint8Array | string, encoding?: string): Uint8Array & { toString(encoding: string): string } } }).Buffer;

/** Decode base64url (padding optional); undefined when malformed. */
export function fromBase64Url(s: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(s)) return undefined;
  if (NodeBuffer) return new Uint8Array(NodeBuffer.from(s.replace(/=+$/, ""), "base64url"));
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  try {
    const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
    return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** Decode a secret given as hex or base64url; undefined when malformed or shorter than 32 bytes. */
export function decodeSecret(text: string): Uint8Array | undefined {
  const t = text.trim();
  let bytes: Uint8Array | undefined;
  // Anything that reads as hex is hex: a 62-digit hex string is 31 bytes, not 46 bytes of base64.
  if (/^(?:[0-9a-fA-F]{2})+$/.test(t)) {
    bytes = Uint8Array.from(t.match(/../g) ?? [], (h) => parseInt(h, 16));
  } else {
    bytes = fromBase64Url(t);
  }
  return bytes && bytes.length >= MIN_BYTES ? bytes : undefined;
}

/** A fresh 32-byte secret, base64url-encoded. */
export function generateSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(MIN_BYTES));
  return toBase64Url(bytes);
}

/** base64url without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes).toString("base64url");
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Purposes a subkey may be derived for; each gets independent key material. */
export type KeyPurpose = "signing-key-encryption" | "provider-token-encryption" | "cookie-signing" | "refresh-successor" | "api-key-hash";

const derived = new WeakMap<Uint8Array, Map<KeyPurpose, Promise<Uint8Array>>>();

/**
 * {@link deriveKey}, derived once per secret and purpose and then shared: the one cache of subkeys, so
 * no caller keeps its own.
 * @example const sealKey = await derivedKey(config.secret, "provider-token-encryption");
 */
export function derivedKey(secret: Uint8Array, purpose: KeyPurpose): Promise<Uint8Array> {
  let byPurpose = derived.get(secret);
  if (!byPurpose) derived.set(secret, (byPurpose = new Map()));
  let key = byPurpose.get(purpose);
  if (!key) {
    key = deriveKey(secret, purpose);
    byPurpose.set(purpose, key);
  }
  return key;
}

/**
 * Derive 32 bytes for one purpose from the master secret (HKDF-SHA-256, salt "authbridge").
 * @example const raw = await deriveKey(config.secret, "cookie-signing");
 */
export async function deriveKey(secret: Uint8Array, purpose: KeyPurpose): Promise<Uint8Array> {
  const ikm = await crypto.subtle.importKey("raw", secret as BufferSource, "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: new TextEncoder().encode("authbridge"), info: new TextEncoder().encode(purpose) },
    ikm,
    256,
  );
  return new Uint8Array(bits);
}
