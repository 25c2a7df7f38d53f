/**
 * Signing keys: generated on first start, kept in the database with the private JWK sealed under
 * AUTHBRIDGE_SECRET, rotated by the CLI. The JWKS publishes the current key and every retired key that
 * may still have signed a live token.
 *
 * The ring holds one current key per algorithm in use: the access-token algorithm (EdDSA or ES256, from
 * the configuration), RS256 for ID tokens (OpenID Connect's default, which every relying party accepts)
 * and the other of EdDSA/ES256 once a client registers it for its ID tokens. A key for ID tokens is made
 * when the first ID token needs it, so a server that never speaks OpenID Connect publishes none; from
 * then on a rotation renews it with the others.
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

/** Algorithms access tokens may be signed with. */
export type SigningAlg = "EdDSA" | "ES256";

/** Algorithms of the keys in the ring: access tokens' and RS256 for ID tokens. */
export type KeyAlg = SigningAlg | "RS256";

/** The algorithm ID tokens are signed with unless a client registered another (OpenID Connect's default). */
export const ID_TOKEN_KEY_ALG = "RS256";

const ACCESS_ALGS: readonly KeyAlg[] = ["EdDSA", "ES256"];

/** The key tokens of algorithm `A` are signed with now. */
export interface CurrentKey<A extends KeyAlg = SigningAlg> {
  kid: string;
  alg: A;
  privateKey: CryptoKey;
}

/** A public key as published in the JWKS. */
export type PublicJwk = JWK & { kid: string; alg: KeyAlg; use: "sig" };

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
  /** Make sure a current access-token key exists (generating one on first start); true when one was generated. */
  ensureCurrent(): Promise<boolean>;
  /** The current access-token signing key (cached for {@link KEY_CACHE_MS}). */
  current(): Promise<CurrentKey>;
  /** The current key of `alg` (for ID tokens), generated on first use (cached for {@link KEY_CACHE_MS}). */
  currentFor<A extends KeyAlg>(alg: A): Promise<CurrentKey<A>>;
  /** Public keys to publish: the current ones and retired ones still able to verify live tokens. */
  publicKeys(): Promise<PublicJwk[]>;
  /**
   * Generate a new current key for every algorithm in use (and RS256) and retire the previous ones;
   * returns the new access-token key's kid.
   */
  rotate(): Promise<string>;
}

async function newKeyRow(alg: KeyAlg, sealKey: Uint8Array, now: number) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, crv: alg === "EdDSA" ? "Ed25519" : undefined, modulusLength: alg === "RS256" ? 2048 : undefined });
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
 * Of the unretired keys (oldest first), the one access tokens are signed with: the oldest of the configured
 * algorithm, else the oldest of the other access-token algorithm (a configuration changed without a
 * rotation keeps signing as before until `keys rotate`). Several of one algorithm exist briefly when two
 * instances start at once: the oldest wins everywhere.
 * @example const row = accessKeyRow(rowsOldestFirst, "EdDSA");
 */
export function accessKeyRow<R extends { alg: KeyAlg }>(unretiredOldestFirst: readonly R[], alg: SigningAlg): R | undefined {
  return unretiredOldestFirst.find((r) => r.alg === alg) ?? unretiredOldestFirst.find((r) => ACCESS_ALGS.includes(r.alg));
}

/**
 * Build the key ring over the database.
 * @example const keys = createKeyRing({ db, secret, alg: "EdDSA", accessTokenTtl: 600 });
 */
export function createKeyRing(opts: KeyRingOptions): KeyRing {
  const now = opts.now ?? Date.now;
  let sealKey: Promise<Uint8Array> | undefined;
  const getSealKey = () => (sealKey ??= deriveKey(opts.secret, "signing-key-encryption"));
  const cached = new Map<string, { key: CurrentKey<KeyAlg>; until: number }>();
  let cachedJwks: { keys: PublicJwk[]; until: number } | undefined;

  /** Unretired rows, oldest first (of several of one algorithm, the oldest wins everywhere). */
  async function unretired() {
    return opts.db.select().from(signingKeys).where(isNull(signingKeys.retiredAt)).orderBy(asc(signingKeys.createdAt), asc(signingKeys.kid));
  }

  const accessRow = <R extends { alg: KeyAlg }>(rows: readonly R[]) => accessKeyRow(rows, opts.alg);

  async function insertKey(alg: KeyAlg): Promise<void> {
    await opts.db.insert(signingKeys).values(await newKeyRow(alg, await getSealKey(), now()));
    cachedJwks = undefined; // this instance publishes the new key at once
  }

  async function ensureCurrent(): Promise<boolean> {
    if (accessRow(await unretired())) return false;
    await insertKey(opts.alg);
    return true;
  }

  async function open<A extends KeyAlg>(row: { kid: string; alg: A; privateJwkEnc: string }): Promise<CurrentKey<A>> {
    const jwk = JSON.parse(await unseal(await getSealKey(), row.privateJwkEnc)) as JWK;
    const privateKey = (await importJWK(jwk, row.alg)) as CryptoKey;
    return { kid: row.kid, alg: row.alg, privateKey };
  }

  async function current(): Promise<CurrentKey> {
    const hit = cached.get("access");
    if (hit && hit.until > now()) return hit.key as CurrentKey;
    let row = accessRow(await unretired());
    if (!row) {
      await insertKey(opts.alg);
      row = accessRow(await unretired());
    }
    if (!row) throw new Error("no signing key could be created");
    const key = await open({ ...row, alg: row.alg as SigningAlg });
    cached.set("access", { key, until: now() + KEY_CACHE_MS });
    return key;
  }

  async function currentFor<A extends KeyAlg>(alg: A): Promise<CurrentKey<A>> {
    const hit = cached.get(alg);
    if (hit && hit.until > now()) return hit.key as CurrentKey<A>;
    const find = async () => (await unretired()).find((r) => r.alg === alg);
    let row = await find();
    if (!row) {
      await insertKey(alg);
      row = await find();
    }
    if (!row) throw new Error(`no ${alg} signing key could be created`);
    const key = await open({ ...row, alg });
    cached.set(alg, { key, until: now() + KEY_CACHE_MS });
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
    // Every algorithm with a live key is renewed (the ID-token keys too, once they exist).
    const algs = new Set<KeyAlg>([opts.alg, ...(await unretired()).map((r) => r.alg)]);
    const sealKey = await getSealKey();
    const at = now();
    const rows = await Promise.all([...algs].map((alg) => newKeyRow(alg, sealKey, at)));
    await opts.db.batch([
      opts.db.update(signingKeys).set({ retiredAt: at }).where(isNull(signingKeys.retiredAt)),
      opts.db.insert(signingKeys).values(rows),
    ]);
    cached.clear();
    cachedJwks = undefined;
    return rows.find((r) => r.alg === opts.alg)!.kid;
  }

  return { ensureCurrent, current, currentFor, publicKeys, rotate };
}
