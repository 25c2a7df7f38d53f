/**
 * Signing a JWT (JWS compact serialization, RFC 7515 §7.1). On Workers jose does it over WebCrypto. On
 * Node the signature itself comes from the built-in `crypto.sign`, called synchronously: the same
 * Ed25519/ECDSA signing without WebCrypto's per-call job wrapping (the largest single cost of issuing a
 * token) and without a hop to libuv's thread pool, which costs more CPU in all than the ~50 µs signature
 * it would take off the event loop (measured in BENCHMARKS.md, per server core). Only the serialization
 * (base64url of the JSON header and claims) is ours; tests verify what both paths produce with jose and
 * with a standard OAuth client library.
 */
import type * as NodeCrypto from "node:crypto";
import { nodeCrypto } from "../lib/node-crypto";
import { SignJWT, type CryptoKey, type JWTPayload } from "jose";

const node = nodeCrypto;

/** The protected header we sign with. */
export interface JwtHeader {
  alg: "EdDSA" | "ES256";
  kid: string;
  typ: string;
}

const keyObjects = new WeakMap<CryptoKey, NodeCrypto.KeyObject>();

function nodeSign(header: JwtHeader, claims: JWTPayload, key: CryptoKey, crypto: typeof NodeCrypto): Promise<string> {
  let keyObject = keyObjects.get(key);
  if (!keyObject) keyObjects.set(key, (keyObject = crypto.KeyObject.from(key)));
  const input = `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  const data = Buffer.from(input, "latin1");
  const signature =
    header.alg === "EdDSA" ? crypto.sign(null, data, keyObject) : crypto.sign("sha256", data, { key: keyObject, dsaEncoding: "ieee-p1363" });
  return Promise.resolve(`${input}.${signature.toString("base64url")}`);
}

/**
 * Sign `claims` under `header` with `key` (a private CryptoKey of the header's algorithm).
 * @example const jwt = await signJwt({ alg: "EdDSA", kid, typ: "at+jwt" }, { sub: "acct_1" }, key);
 */
export function signJwt(header: JwtHeader, claims: JWTPayload, key: CryptoKey, opts: { engine?: "auto" | "webcrypto" } = {}): Promise<string> {
  if (node && opts.engine !== "webcrypto") return nodeSign(header, claims, key, node);
  return new SignJWT(claims).setProtectedHeader({ ...header }).sign(key);
}
