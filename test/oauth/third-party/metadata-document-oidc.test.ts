/**
 * OpenID Connect settings of a metadata-document client, read from its document (it has no row here):
 * `id_token_signed_response_alg` signs its ID tokens, `userinfo_signed_response_alg` its UserInfo, and
 * `post_logout_redirect_uris` are the only addresses logout sends people back to. The fields follow the same
 * rules as every client's: a document with an unsupported algorithm or a bad address is refused whole, with
 * the field named. The document is served over real https on loopback (throwaway CA) and fetched by the
 * Node fetcher as production builds it, widened to reach this machine only.
 */
import https from "node:https";
import type { AddressInfo } from "node:net";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeDocumentFetch } from "../../../src/runtime/node-document-fetch";
import { testCertificate } from "../../mcp/test-certificate";
import { tempDir } from "../../support/temp";
import { CB, createHarness, ISSUER, type Harness } from "./harness";

const HOST = "rp-docs.authbridge.test";
const BYE = "https://app.example.com/bye";
const ELSEWHERE = "https://app.example.com/elsewhere";
const dir = tempDir("authbridge-cimd-oidc-");
const tls = testCertificate(dir.path, HOST);
const hits = new Map<string, number>();
let base = "";
let server: https.Server;
let h: Harness;

const url = (path: string) => `${base}${path}`;
/** The OpenID Connect members of each document. */
const DOCS: Record<string, Record<string, unknown>> = {
  "/rp-es256.json": { id_token_signed_response_alg: "ES256", userinfo_signed_response_alg: "RS256", post_logout_redirect_uris: [BYE] },
  "/rp-plain.json": {},
  "/rp-hs256.json": { id_token_signed_response_alg: "HS256" },
  "/rp-none.json": { userinfo_signed_response_alg: "none" },
  "/rp-bad-logout.json": { post_logout_redirect_uris: ["javascript:alert(1)"] },
  "/rp-encrypted.json": { id_token_encrypted_response_alg: "RSA-OAEP-256" },
};

beforeAll(async () => {
  server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const path = req.url ?? "";
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const oidc = DOCS[path];
    if (!oidc) return void res.writeHead(404).end();
    const doc = { client_id: url(path), client_name: "Doc RP", redirect_uris: [CB], token_endpoint_auth_method: "none", ...oidc };
    res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=300" }).end(JSON.stringify(doc));
  });
  const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
  base = `https://${HOST}:${port}`;
  const fetchDocument = nodeDocumentFetch({ resolve: async () => [{ address: "127.0.0.1", family: 4 }], ca: tls.caPem, isAllowedAddress: (a) => a === "127.0.0.1" });
  h = await createHarness("embedded", undefined, { hooks: { metadataDocumentFetch: fetchDocument }, env: { AUTHBRIDGE_CIMD: HOST } });
});
afterAll(async () => {
  h?.close();
  await new Promise((r) => server.close(r));
  dir.remove();
});

const SIGN_IN = { scope: "openid profile", resource: "" };
const jwks = async () => createLocalJWKSet((await (await h.t.app.request("/.well-known/jwks.json")).json()) as JSONWebKeySet);
const userinfo = (token: string) => h.t.app.request("/userinfo", { headers: { authorization: `Bearer ${token}` } });

describe("a metadata-document client's OpenID Connect settings", () => {
  it("id_token_signed_response_alg ES256: ES256 ID tokens; userinfo_signed_response_alg: signed UserInfo; post_logout_redirect_uris: logout back there only", async () => {
    const clientId = url("/rp-es256.json");
    const b = await h.signIn("doc-rp-1");
    const tokens = (await h.tokensFor(b, clientId, SIGN_IN)) as { access_token: string; id_token?: string; refresh_token?: string };
    const id = await jwtVerify(tokens.id_token!, await jwks(), { issuer: ISSUER, audience: clientId, algorithms: ["ES256"], typ: "JWT" });
    expect(id.protectedHeader.alg).toBe("ES256");
    // The refresh's ID token too.
    const refreshed = (await (await h.refresh(clientId, tokens.refresh_token!)).json()) as { id_token: string };
    expect(decodeProtectedHeader(refreshed.id_token).alg).toBe("ES256");

    const res = await userinfo(tokens.access_token);
    expect(res.headers.get("content-type")).toBe("application/jwt");
    const info = await jwtVerify(await res.text(), await jwks(), { issuer: ISSUER, audience: clientId, algorithms: ["RS256"], typ: "JWT" });
    expect(info.payload).toMatchObject({ sub: id.payload.sub, preferred_username: "doc-rp-1" });

    const logout = (uri: string) => b.request(`${ISSUER}/oidc/logout?${new URLSearchParams({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: uri, state: "s" })}`);
    const refused = await logout(ELSEWHERE);
    expect(refused.headers.get("location")).toBeNull();
    expect(await refused.text()).toContain("is not registered for it");
    const followed = await logout(BYE);
    expect(followed.status).toBe(302);
    expect(followed.headers.get("location")).toBe(`${BYE}?state=s`);
    // All of it from one fetch of the document (its max-age): the settings come from the cached client.
    expect(hits.get("/rp-es256.json")).toBe(1);
  });

  it("a document registering none of them gets RS256 ID tokens, JSON UserInfo and no logout redirect", async () => {
    const clientId = url("/rp-plain.json");
    const b = await h.signIn("doc-rp-2");
    const tokens = (await h.tokensFor(b, clientId, SIGN_IN)) as { access_token: string; id_token?: string };
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe("RS256");
    expect((await userinfo(tokens.access_token)).headers.get("content-type")).toMatch(/^application\/json/);
    const out = await b.request(`${ISSUER}/oidc/logout?${new URLSearchParams({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: BYE })}`);
    expect(out.headers.get("location")).toBeNull();
  });

  it("a document with an unsupported algorithm, a bad address or encryption is refused whole, naming the field", async () => {
    const b = await h.signIn("doc-rp-3");
    const expected: Record<string, RegExp> = {
      "/rp-hs256.json": /id_token_signed_response_alg: must be one of RS256, EdDSA, ES256/,
      "/rp-none.json": /userinfo_signed_response_alg: must be one of/,
      "/rp-bad-logout.json": /post_logout_redirect_uris\.0: must be https, http on loopback, or a private-use scheme/,
      "/rp-encrypted.json": /id_token_encrypted_response_alg: encrypted responses are not offered/,
    };
    for (const [path, reason] of Object.entries(expected)) {
      const out = await h.authorize(b, url(path), SIGN_IN);
      expect(out.kind, path).toBe("page");
      if (out.kind !== "page") continue;
      expect(out.status, path).toBe(400);
      expect(out.html, path).toMatch(reason);
    }
  });
});
