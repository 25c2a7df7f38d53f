/** Both signing paths (Node's crypto, jose over WebCrypto) produce tokens jose verifies, for both algorithms. */
import { decodeProtectedHeader, generateKeyPair, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { signJwt } from "../src/tokens/jwt-sign";

describe("signJwt", () => {
  for (const alg of ["EdDSA", "ES256"] as const) {
    it(`${alg}: the Node and WebCrypto paths both verify with jose, with the same header and claims`, async () => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const header = { alg, kid: "k1", typ: "at+jwt" };
      const claims = { iss: "https://issuer.example", sub: "acct_1", aud: "api", exp: Math.floor(Date.now() / 1000) + 60, iat: 1, scope: "a b", roles: ["x"] };
      const viaNode = await signJwt(header, claims, privateKey);
      const viaWeb = await signJwt(header, claims, privateKey, { engine: "webcrypto" });
      for (const jwt of [viaNode, viaWeb]) {
        const { payload, protectedHeader } = await jwtVerify(jwt, publicKey, { algorithms: [alg], typ: "at+jwt", issuer: claims.iss, audience: "api" });
        expect(payload).toEqual(claims);
        expect(protectedHeader).toEqual(header);
      }
      expect(decodeProtectedHeader(viaNode)).toEqual(decodeProtectedHeader(viaWeb));
      if (alg === "EdDSA") expect(viaNode).toBe(viaWeb); // Ed25519 is deterministic: same bytes either way
      // Tampering with the claims breaks the signature.
      const [h, , s] = viaNode.split(".");
      const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: "acct_2" })).toString("base64url")}.${s}`;
      await expect(jwtVerify(forged, publicKey)).rejects.toThrow();
    });
  }
});
