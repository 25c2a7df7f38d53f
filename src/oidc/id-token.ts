/**
 * Signing ID tokens (OpenID Connect Core §2). Header `typ: "JWT"` — never `at+jwt` — so that an ID token
 * is refused wherever an access token is expected (every verifier of ours requires `typ: at+jwt`, RFC 9068
 * §4). Signed by jose with the key of the algorithm the client registered (RS256 by default, as OpenID
 * requires every provider to support).
 */
import { SignJWT, type CryptoKey } from "jose";
import { toBase64Url } from "../lib/secret";
import type { KeyAlg } from "../tokens/keys";
import type { PersonClaims } from "./claims";

/** The `typ` header of our ID tokens. */
export const ID_TOKEN_TYPE = "JWT";

/** Algorithms ID tokens may be signed with; the first is the default. */
export const ID_TOKEN_ALGS = ["RS256", "EdDSA", "ES256"] as const satisfies readonly KeyAlg[];

/** One ID-token signing algorithm. */
export type IdTokenAlg = (typeof ID_TOKEN_ALGS)[number];

/** The claims of an ID token. */
export interface IdTokenClaims extends PersonClaims {
  iss: string;
  /** The account id: stable across renames and whatever platforms are linked. */
  sub: string;
  /** The client. */
  aud: string;
  exp: number;
  iat: number;
  /** When the person last authenticated (the session's start), epoch seconds. */
  auth_time: number;
  /** Echoed from the authorization request (absent when it sent none, and on refresh). */
  nonce?: string;
  /** Left half of the access token's hash (§3.1.3.6). */
  at_hash?: string;
  /** The bridge session, for logout (`id_token_hint`) and session-bound tokens. */
  sid?: string;
}

/** The key an ID token is signed with. */
export interface IdTokenKey {
  kid: string;
  alg: IdTokenAlg;
  privateKey: CryptoKey;
}

// The hash of each algorithm's signature (RFC 7518 §3; Ed25519 signs over SHA-512, as OpenID Connect's
// EdDSA registration and the relying-party libraries use it).
const HASH_OF: Record<IdTokenAlg, "SHA-256" | "SHA-512"> = { RS256: "SHA-256", ES256: "SHA-256", EdDSA: "SHA-512" };

/**
 * `at_hash` for an access token and the algorithm the ID token is signed with: the left half of the
 * hash of its ASCII octets, base64url.
 * @example await atHash(accessToken, "RS256")
 */
export async function atHash(accessToken: string, alg: IdTokenAlg): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest(HASH_OF[alg], new TextEncoder().encode(accessToken)));
  return toBase64Url(digest.subarray(0, digest.length / 2));
}

/**
 * Sign an ID token.
 * @example const jwt = await signIdToken(await keys.currentFor("RS256"), claims);
 */
export function signIdToken(key: IdTokenKey, claims: IdTokenClaims): Promise<string> {
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: ID_TOKEN_TYPE }).sign(key.privateKey);
}

/** Whether `v` names an ID-token signing algorithm. */
export function isIdTokenAlg(v: unknown): v is IdTokenAlg {
  return typeof v === "string" && (ID_TOKEN_ALGS as readonly string[]).includes(v);
}
