/** PKCE (RFC 7636), S256 only: the challenge is base64url(SHA-256(verifier)). */
import { sha256Base64Url } from "../lib/digest";

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** A well-formed S256 challenge (32 bytes, base64url without padding). */
export function isValidChallenge(challenge: string): boolean {
  return CHALLENGE.test(challenge);
}

/** Whether `verifier` matches the stored S256 `challenge`. */
export async function verifyPkce(verifier: string, challenge: string): Promise<boolean> {
  if (!VERIFIER.test(verifier)) return false;
  return (await sha256Base64Url(verifier)) === challenge;
}
