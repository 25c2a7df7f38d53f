import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, SignJWT } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { signingKeys } from "../src/db/schema";
import { generateSecret, decodeSecret } from "../src/lib/secret";
import { createKeyRing, KEY_CACHE_MS } from "../src/tokens/keys";
import { tempDatabase } from "./support/database";

const secret = decodeSecret(generateSecret())!;
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

async function setup() {
  const dbh = await tempDatabase();
  cleanups.push(dbh.remove);
  return dbh;
}

async function signWith(ring: ReturnType<typeof createKeyRing>) {
  const key = await ring.current();
  return new SignJWT({ scope: "x" })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "at+jwt" })
    .setIssuer("http://localhost:8787")
    .setExpirationTime("5m")
    .sign(key.privateKey);
}

describe("signing keys", () => {
  it("generates one Ed25519 key on first start and keeps it across restarts", async () => {
    const dbh = await setup();
    const ring = createKeyRing({ db: dbh.db, secret, alg: "EdDSA", accessTokenTtl: 600 });
    expect(await ring.ensureCurrent()).toBe(true);
    expect(await ring.ensureCurrent()).toBe(false);
    const [jwk, ...rest] = await ring.publicKeys();
    expect(rest).toEqual([]);
    expect(jwk).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(jwk).not.toHaveProperty("d");

    const again = createKeyRing({ db: dbh.reopen().db, secret, alg: "EdDSA", accessTokenTtl: 600 });
    expect(await again.ensureCurrent()).toBe(false);
    expect((await again.current()).kid).toBe(jwk!.kid);
  });

  it("keeps the private key only sealed under the secret", async () => {
    const dbh = await setup();
    const ring = createKeyRing({ db: dbh.db, secret, alg: "EdDSA", accessTokenTtl: 600 });
    await ring.ensureCurrent();
    const [row] = await dbh.db.select().from(signingKeys);
    expect(row!.privateJwkEnc.split(".")).toHaveLength(5); // compact JWE
    expect(row!.privateJwkEnc).not.toMatch(/"d"/);
    const other = createKeyRing({ db: dbh.db, secret: decodeSecret(generateSecret())!, alg: "EdDSA", accessTokenTtl: 600 });
    await expect(other.current()).rejects.toThrow();
  });

  it("signs tokens that verify against the published set, with ES256 when chosen", async () => {
    for (const alg of ["EdDSA", "ES256"] as const) {
      const dbh = await setup();
      const ring = createKeyRing({ db: dbh.db, secret, alg, accessTokenTtl: 600 });
      const jwt = await signWith(ring);
      const jwks = createLocalJWKSet({ keys: await ring.publicKeys() });
      const { protectedHeader } = await jwtVerify(jwt, jwks, { algorithms: [alg] });
      expect(protectedHeader.alg).toBe(alg);
    }
  });

  it("rotation adds a current key and publishes the old one until its tokens have expired", async () => {
    const dbh = await setup();
    let t = Date.now();
    const ring = createKeyRing({ db: dbh.db, secret, alg: "EdDSA", accessTokenTtl: 600, now: () => t });
    const before = await signWith(ring);
    const oldKid = decodeProtectedHeader(before).kid;
    const newKid = await ring.rotate();
    expect(newKid).not.toBe(oldKid);
    expect((await ring.current()).kid).toBe(newKid);
    expect((await ring.publicKeys()).map((k) => k.kid)).toEqual([newKid, oldKid]);
    // A token signed with the old key still verifies against the current set.
    await jwtVerify(before, createLocalJWKSet({ keys: await ring.publicKeys() }), { currentDate: new Date(t) });

    t += 600_000 + KEY_CACHE_MS - 1000;
    expect((await ring.publicKeys()).map((k) => k.kid)).toEqual([newKid, oldKid]);
    t += 6000; // past the edge and the 5 s in-memory JWKS cache
    expect((await ring.publicKeys()).map((k) => k.kid)).toEqual([newKid]);
  });
});
