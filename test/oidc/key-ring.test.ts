/**
 * The key ring's ID-token keys: RS256 made on first use (a server that never speaks OpenID Connect has
 * none), sealed like the others, published in the JWKS with `alg: RS256, use: sig` and only public members,
 * renewed by a rotation together with the access-token key, which stays the one access tokens are signed with.
 */
import { createLocalJWKSet, jwtVerify, SignJWT } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { listSigningKeys } from "../../src/admin/signing-keys";
import { signingKeys } from "../../src/db/schema";
import { decodeSecret, generateSecret } from "../../src/lib/secret";
import { createKeyRing } from "../../src/tokens/keys";
import { createTestApp } from "../support/app";
import { tempDatabase } from "../support/database";

const secret = decodeSecret(generateSecret())!;
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

async function ring() {
  const dbh = await tempDatabase();
  cleanups.push(dbh.remove);
  return { dbh, keys: createKeyRing({ db: dbh.db, secret, alg: "EdDSA", accessTokenTtl: 600 }) };
}

describe("ID-token keys in the ring", () => {
  it("makes the RS256 key on first use only, sealed, and publishes it with its public members", async () => {
    const { dbh, keys } = await ring();
    await keys.ensureCurrent();
    expect((await keys.publicKeys()).map((k) => k.alg)).toEqual(["EdDSA"]);
    const rsa = await keys.currentFor("RS256");
    expect(rsa.alg).toBe("RS256");
    expect((await keys.currentFor("RS256")).kid).toBe(rsa.kid); // the same key, not a new one per call
    const published = await keys.publicKeys();
    expect(published.map((k) => k.alg).sort()).toEqual(["EdDSA", "RS256"]);
    const jwk = published.find((k) => k.alg === "RS256")!;
    expect(jwk).toMatchObject({ kty: "RSA", kid: rsa.kid, use: "sig", e: "AQAB" });
    for (const member of ["d", "p", "q", "dp", "dq", "qi"]) expect(jwk).not.toHaveProperty(member);
    const row = (await dbh.db.select().from(signingKeys)).find((r) => r.alg === "RS256")!;
    expect(row.privateJwkEnc.split(".")).toHaveLength(5);
    // The access-token key is still the EdDSA one.
    expect((await keys.current()).alg).toBe("EdDSA");
    const jwt = await new SignJWT({ sub: "x" }).setProtectedHeader({ alg: "RS256", kid: rsa.kid, typ: "JWT" }).sign(rsa.privateKey);
    await jwtVerify(jwt, createLocalJWKSet({ keys: published }), { algorithms: ["RS256"] });
  });

  it("a rotation renews every algorithm in use and keeps the old keys published", async () => {
    const { keys } = await ring();
    const access = await keys.current();
    const rsa = await keys.currentFor("RS256");
    const es = await keys.currentFor("ES256");
    const kid = await keys.rotate();
    expect(kid).not.toBe(access.kid);
    expect((await keys.current()).kid).toBe(kid);
    expect((await keys.current()).alg).toBe("EdDSA");
    const renewed = [await keys.currentFor("RS256"), await keys.currentFor("ES256")];
    expect(renewed.map((k) => k.kid)).not.toContain(rsa.kid);
    expect(renewed.map((k) => k.kid)).not.toContain(es.kid);
    const published = (await keys.publicKeys()).map((k) => k.kid);
    expect(published).toHaveLength(6);
    expect(published).toEqual(expect.arrayContaining([access.kid, rsa.kid, es.kid, kid]));
  });

  it("the JWKS serves the RSA key with n and e, and the operator's list names only the access-token key as current", async () => {
    const t = await createTestApp();
    cleanups.push(t.close);
    const rsa = await t.deps.keys.currentFor("RS256");
    await t.deps.keys.rotate();
    const jwks = (await (await t.app.request("/.well-known/jwks.json")).json()) as { keys: Record<string, unknown>[] };
    const published = jwks.keys.filter((k) => k.kty === "RSA");
    expect(published).toHaveLength(2);
    for (const k of published) expect(Object.keys(k).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
    const listed = await listSigningKeys(t.deps);
    expect(listed.filter((k) => k.current)).toEqual([expect.objectContaining({ kid: (await t.deps.keys.current()).kid, alg: "EdDSA" })]);
    expect(listed.find((k) => k.kid === rsa.kid)).toMatchObject({ current: false, published: true });
  });
});
