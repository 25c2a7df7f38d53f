/**
 * Signing keys: generated on first start, kept in the database with the private JWK sealed under
 * AUTHBRIDGE_SECRET, rotated by the CLI. The JWKS publishes the current key and every retired key that
 * may still have signed a live token.
 */
import { asc, desc, gt, isNull, or, sql } from "drizzle-orm";
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from "jose";
import type { Database } from "../db/client";
import { signingKeys } from "../db/schema";
import { deriveKey } from "../lib/secret";
import { seal, unseal } from "../lib/sealed";

/** Supported signing algorithms. */
export type SigningAlg = "EdDSA" | "ES256";

/** The key tokens are signed with now. */
export interface CurrentKey {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
}

/** A public key as published in the JWKS. */
export type PublicJwk = JWK & { kid: string; alg: SigningAlg; use: "sig" };

/** How long an instance may keep using a cached current key after another instance rotated (ms). */
export const KEY_CACHE_MS = 60_000;

/** Options of {@link createKeyRing}. */
export interface KeyRingOptions {
  db: Database;
  secret: Uint8Array;
  alg: SigningAlg;
  /** Access-token lifetime in seconds: retired keys stay published this long (plus the cache window). */
  accessTokenTtl: number;
  now?: () => number;
}

/** The signing keys of this issuer. */
export interface KeyRing {
  /** Make sure a current key exists (generating one on first start); true when one was generated. */
  ensureCurrent(): Promise<boolean>;
  /** The current signing key (cached for {@link KEY_CACHE_MS}). */
  current(): Promise<CurrentKey>;
  /** Public keys to publish: the current one and retired ones still able to verify live tokens. */
  publicKeys(): Promise<PublicJwk[]>;
  /** Generate a new current key and retire the previous ones; returns the new kid. */
  rotate(): Promise<string>;
}

async function newKeyRow(alg: SigningAlg, sealKey: Uint8Array, now: number) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, crv: alg === "EdDSA" ? "Ed25519" : undefined });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub);
  const priv = await exportJWK(privateKey);
  return {
    kid,
    alg,
    publicJwk: JSON.stringify({ ...pub, kid, alg, use: "sig" }),
    privateJwkEnc: await seal(sealKey, JSON.stringify(priv)),
    createdAt: now,
    retiredAt: null,
  };
}

/**
 * Build the key ring over the database.
 * @example const keys = createKeyRing({ db, secret, alg: "EdDSA", accessTokenTtl: 600 });
 */
export function createKeyRing(opts: KeyRingOptions): KeyRing {
  const now = opts.now ?? Date.now;
  let sealKey: Promise<Uint8Array> | undefined;
  const getSealKey = () => (sealKey ??= deriveKey(opts.secret, "signing-key-encryption"));
  let cached: { key: CurrentKey; until: number } | undefined;
  let cachedJwks: { keys: PublicJwk[]; until: number } | undefined;

  async function currentRow() {
    // Several unretired rows can exist briefly when two instances start at once: the oldest wins everywhere.
    const rows = await opts.db
      .select()
      .from(signingKeys)
      .where(isNull(signingKeys.retiredAt))
      .orderBy(asc(signingKeys.createdAt), asc(signingKeys.kid))
      .limit(1);
    return rows[0];
  }

  async function ensureCurrent(): Promise<boolean> {
    if (await currentRow()) return false;
    await opts.db.insert(signingKeys).values(await newKeyRow(opts.alg, await getSealKey(), now()));
    return true;
  }

  async function current(): Promise<CurrentKey> {
    if (cached && cached.until > now()) return cached.key;
    let row = await currentRow();
    if (!row) {
      await ensureCurrent();
      row = await currentRow();
    }
    if (!row) throw new Error("no signing key could be created");
    const jwk = JSON.parse(await unseal(await getSealKey(), row.privateJwkEnc)) as JWK;
    const privateKey = (await importJWK(jwk, row.alg)) as CryptoKey;
    const key: CurrentKey = { kid: row.kid, alg: row.alg, privateKey };
    cached = { key, until: now() + KEY_CACHE_MS };
    return key;
  }

  async function publicKeys(): Promise<PublicJwk[]> {
    if (cachedJwks && cachedJwks.until > now()) return cachedJwks.keys;
    const stillUseful = now() - (opts.accessTokenTtl * 1000 + KEY_CACHE_MS);
    const rows = await opts.db
      .select({ publicJwk: signingKeys.publicJwk })
      .from(signingKeys)
      .where(or(isNull(signingKeys.retiredAt), gt(signingKeys.retiredAt, stillUseful)))
      .orderBy(sql`${signingKeys.retiredAt} is null desc`, desc(signingKeys.createdAt));
    const keys = rows.map((r) => JSON.parse(r.publicJwk) as PublicJwk);
    cachedJwks = { keys, until: now() + 5_000 };
    return keys;
  }

  async function rotate(): Promise<string> {
    const row = await newKeyRow(opts.alg, await getSealKey(), now());
    const at = now();
    await opts.db.batch([
      opts.db.update(signingKeys).set({ retiredAt: at }).where(isNull(signingKeys.retiredAt)),
      opts.db.insert(signingKeys).values(row),
    ]);
    cached = undefined;
    cachedJwks = undefined;
    return row.kid;
  }

  return { ensureCurrent, current, publicKeys, rotate };
}
