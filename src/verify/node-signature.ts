/**
 * Signature and claim checks on Node's built-in crypto, for runtimes that have it. jose verifies through
 * WebCrypto, whose every call goes through several layers of job and promise wrapping; `crypto.verify`
 * with a callback runs the same Ed25519/ECDSA verification on the same thread pool with less of it. The header was already
 * checked (algorithm allowlist, `typ`, refused members) and the key chosen by `kid` and key type; this
 * checks the signature over the JWS signing input, then the registered claims exactly as the jose path does.
 * On Workers (no `process`) the jose path is used instead; tests run the whole suite through both.
 */
import type * as NodeCrypto from "node:crypto";
import { nodeCrypto } from "../lib/node-crypto";
import type { CryptoKey, JWTPayload } from "jose";
import { TokenRejected } from "./challenge";
import type { Algorithm } from "./options";

const node = nodeCrypto;

/** Whether this runtime can take the fast path. */
export const nodeSignaturesAvailable = node !== undefined;

/** What the claim checks compare against. */
export interface ClaimRules {
  issuer: string;
  audience: readonly string[];
  toleranceSeconds: number;
  required: readonly string[];
}

const keyObjects = new WeakMap<CryptoKey, NodeCrypto.KeyObject>();
function keyObject(key: CryptoKey): NodeCrypto.KeyObject {
  let k = keyObjects.get(key);
  if (!k) keyObjects.set(key, (k = node!.KeyObject.from(key)));
  return k;
}

/**
 * The signature check, on libuv's thread pool (the callback form of `crypto.verify`): like WebCrypto it
 * keeps the event loop free and uses the other cores, minus WebCrypto's per-call wrapping.
 */
function signatureValid(alg: Algorithm, key: NodeCrypto.KeyObject, input: Buffer, signature: Buffer): Promise<boolean> {
  // The key must be of the algorithm's own type: an ES256 header never verifies against an Ed25519 key.
  const ed = alg === "EdDSA";
  const typeOk = ed ? key.asymmetricKeyType === "ed25519" : key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1";
  if (!typeOk || signature.length !== 64) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (err: Error | null, ok: boolean) => resolve(err === null && ok);
    if (ed) node!.verify(null, input, key, signature, done);
    else node!.verify("sha256", input, { key, dsaEncoding: "ieee-p1363" }, signature, done);
  });
}

function decodePayload(segment: string): JWTPayload {
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
  } catch {
    throw new TokenRejected("malformed token");
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) throw new TokenRejected("malformed token");
  return payload as JWTPayload;
}

/** The registered-claim checks (same outcomes and messages as the jose path's error mapping). */
function checkClaims(p: JWTPayload, rules: ClaimRules, nowMs: number): void {
  for (const name of rules.required) if (!(name in p)) throw new TokenRejected(`the token lacks the ${name} claim`);
  const now = Math.floor(nowMs / 1000);
  if (p.iss !== rules.issuer) throw new TokenRejected("unexpected issuer");
  const aud = p.aud;
  const audiences = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.some((a) => typeof a === "string" && rules.audience.includes(a))) throw new TokenRejected("the token is not meant for this audience");
  if (typeof p.exp !== "number" || !Number.isFinite(p.exp)) throw new TokenRejected("invalid exp claim");
  if (p.exp <= now - rules.toleranceSeconds) throw new TokenRejected("the token has expired");
  if (p.nbf !== undefined) {
    if (typeof p.nbf !== "number" || !Number.isFinite(p.nbf)) throw new TokenRejected("invalid nbf claim");
    if (p.nbf > now + rules.toleranceSeconds) throw new TokenRejected("the token is not valid yet");
  }
  if (p.iat !== undefined && (typeof p.iat !== "number" || !Number.isFinite(p.iat))) throw new TokenRejected("invalid iat claim");
}

/**
 * Verify a compact JWS whose header passed the checks, with `key`, and return its validated claims.
 * Rejects with {@link TokenRejected} for anything wrong.
 */
export async function verifyWithNode(token: string, alg: Algorithm, key: CryptoKey, rules: ClaimRules, nowMs: number): Promise<JWTPayload> {
  const firstDot = token.indexOf(".");
  const secondDot = token.indexOf(".", firstDot + 1);
  const input = Buffer.from(token.slice(0, secondDot), "latin1");
  const signature = Buffer.from(token.slice(secondDot + 1), "base64url");
  if (!(await signatureValid(alg, keyObject(key), input, signature))) throw new TokenRejected("invalid signature");
  const payload = decodePayload(token.slice(firstDot + 1, secondDot));
  checkClaims(payload, rules, nowMs);
  return payload;
}
