/**
 * Authenticated encryption of small values at rest (private signing keys, provider tokens) as compact JWE
 * (`dir` + `A256GCM`, jose), under a purpose-derived key. A value sealed for one purpose cannot be opened
 * with another purpose's key.
 */
import { CompactEncrypt, compactDecrypt } from "jose";

/** Encrypt `plaintext` with a 32-byte key. */
export async function seal(key: Uint8Array, plaintext: string): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
    .encrypt(key);
}

/** Decrypt a value made by {@link seal}; rejects when tampered with or sealed under another key. */
export async function unseal(key: Uint8Array, sealed: string): Promise<string> {
  const { plaintext } = await compactDecrypt(sealed, key, {
    keyManagementAlgorithms: ["dir"],
    contentEncryptionAlgorithms: ["A256GCM"],
  });
  return new TextDecoder().decode(plaintext);
}
