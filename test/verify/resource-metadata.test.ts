/**
 * The resource-server half of the MCP authorization profile in `authbridge/verify`: RFC 9728 metadata
 * (`protectedResourceMetadata`), `resource_metadata` in every challenge of `requireAuth` and its guards,
 * and audiences that match exactly, paths included — through both signature engines. The MCP SDK's own
 * client code reads what we serve (its challenge parser and its metadata discovery), so the format is
 * checked by the party that has to understand it, not only by us.
 */
import { discoverOAuthProtectedResourceMetadata, extractWWWAuthenticateParams } from "@modelcontextprotocol/sdk/client/auth.js";
import { Hono } from "hono";
import type { JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/clients/registry";
import { signAccessToken } from "../../src/tokens/access";
import {
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
  requireAuth,
  requireRoles,
  requireScopes,
  type AuthVariables,
  type ProtectedResourceMetadataOptions,
  type RequireAuthOptions,
} from "../../src/verify";
import { createTestApp, type TestApp } from "../support/app";
import { postForm } from "../support/oauth";

const ISSUER = "http://localhost:8787";
const MCP = "https://api.example.com/mcp";
const PRM_URL = "https://api.example.com/.well-known/oauth-protected-resource/mcp";
const ENGINES = ["auto", "webcrypto"] as const;

let t: TestApp;
let jwks: { keys: JWK[] };

/** A token signed by the server's real key ring, for any audience. */
async function tokenFor(aud: string, scopes: string[] = ["repos:read"], roles: string[] = []): Promise<string> {
  const { token } = await signAccessToken(t.deps.keys, { issuer: ISSUER, ttl: 600 }, { sub: "acct_1", clientId: "client_mcp", scopes, roles, aud });
  return token;
}

beforeAll(async () => {
  t = await createTestApp({ env: { AUTHBRIDGE_AUDIENCE: MCP } });
  jwks = (await (await t.app.request("/.well-known/jwks.json")).json()) as { keys: JWK[] };
});
afterAll(() => t?.close());

const prmOptions: ProtectedResourceMetadataOptions = { resource: MCP, authorizationServers: [ISSUER], scopes: ["repos:read", "repos:write"] };

describe("protectedResourceMetadata (RFC 9728)", () => {
  it("serves the document at the path-suffixed well-known URI of a resource with a path (§3.1), cacheable and readable across origins", async () => {
    const app = new Hono().route("/", protectedResourceMetadata({ ...prmOptions, resourceName: "Acme MCP" }));
    const res = await app.request("/.well-known/oauth-protected-resource/mcp");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("cache-control")).toBe("public, max-age=3600");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(await res.json()).toEqual({
      resource: MCP,
      authorization_servers: [ISSUER],
      scopes_supported: ["repos:read", "repos:write"],
      bearer_methods_supported: ["header"],
      resource_name: "Acme MCP",
    });
    // Not at the root (that would claim the whole host for one resource), nor under another path.
    expect((await app.request("/.well-known/oauth-protected-resource")).status).toBe(404);
    expect((await app.request("/.well-known/oauth-protected-resource/mcp/x")).status).toBe(404);
    expect((await app.request("/.well-known/oauth-protected-resource/mc")).status).toBe(404);
    // HEAD answers like GET; a CORS preflight is allowed.
    expect((await app.request("/.well-known/oauth-protected-resource/mcp", { method: "HEAD" })).status).toBe(200);
    const pre = await app.request("/.well-known/oauth-protected-resource/mcp", { method: "OPTIONS" });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-methods")).toBe("GET");
    expect((await app.request("/.well-known/oauth-protected-resource/mcp", { method: "POST" })).status).toBe(404);
  });

  it("a resource without a path is served at the bare well-known URI; a trailing slash is dropped from the path; the resource stays as written", async () => {
    const root = new Hono().route("/", protectedResourceMetadata({ ...prmOptions, resource: "https://api.example.com/" }));
    const res = await root.request("/.well-known/oauth-protected-resource");
    expect(res.status).toBe(200);
    expect(((await res.json()) as { resource: string }).resource).toBe("https://api.example.com/");

    const slash = new Hono().route("/", protectedResourceMetadata({ ...prmOptions, resource: "https://api.example.com/mcp/" }));
    const doc = (await (await slash.request("/.well-known/oauth-protected-resource/mcp")).json()) as { resource: string };
    expect(doc.resource).toBe("https://api.example.com/mcp/");
  });

  it("alsoAtRoot answers at the root too; two resources share one app; cacheSeconds 0 asks clients to revalidate", async () => {
    const app = new Hono()
      .route("/", protectedResourceMetadata({ ...prmOptions, alsoAtRoot: true }))
      .route("/", protectedResourceMetadata({ ...prmOptions, resource: "https://api.example.com/reports", cacheSeconds: 0 }));
    expect(((await (await app.request("/.well-known/oauth-protected-resource")).json()) as { resource: string }).resource).toBe(MCP);
    expect(((await (await app.request("/.well-known/oauth-protected-resource/mcp")).json()) as { resource: string }).resource).toBe(MCP);
    const reports = await app.request("/.well-known/oauth-protected-resource/reports");
    expect(((await reports.json()) as { resource: string }).resource).toBe("https://api.example.com/reports");
    expect(reports.headers.get("cache-control")).toBe("no-cache");
  });

  it("a path holding router syntax (`:`, `*`) is matched literally", async () => {
    const app = new Hono().route("/", protectedResourceMetadata({ ...prmOptions, resource: "https://api.example.com/v1:mcp" }));
    expect((await app.request("/.well-known/oauth-protected-resource/v1:mcp")).status).toBe(200);
    expect((await app.request("/.well-known/oauth-protected-resource/v2")).status).toBe(404);
  });

  it("the MCP SDK's discovery finds and accepts the document from the resource's URL", async () => {
    const app = new Hono().route("/", protectedResourceMetadata(prmOptions));
    const seen: string[] = [];
    const fetchFn = (url: string | URL, init?: RequestInit) => {
      seen.push(String(url));
      return Promise.resolve(app.request(String(url), init));
    };
    const doc = await discoverOAuthProtectedResourceMetadata(MCP, undefined, fetchFn);
    expect(doc.resource).toBe(MCP);
    expect(doc.authorization_servers).toEqual([ISSUER]);
    expect(seen[0]).toBe(PRM_URL);
  });

  it("protectedResourceMetadataUrl derives the RFC 9728 URL", () => {
    expect(protectedResourceMetadataUrl(MCP)).toBe(PRM_URL);
    expect(protectedResourceMetadataUrl("https://api.example.com/")).toBe("https://api.example.com/.well-known/oauth-protected-resource");
    expect(protectedResourceMetadataUrl("http://localhost:3001/a/mcp/")).toBe("http://localhost:3001/.well-known/oauth-protected-resource/a/mcp");
    expect(() => protectedResourceMetadataUrl("http://api.example.com/mcp")).toThrow(/https/);
    expect(() => protectedResourceMetadataUrl("https://api.example.com")).toThrow(/canonical form, "https:\/\/api.example.com\/"/);
  });

  it("bad options throw once, naming every problem", () => {
    const bad = (o: unknown) => () => protectedResourceMetadata(o as ProtectedResourceMetadataOptions);
    expect(bad({ ...prmOptions, resource: "http://api.example.com/mcp" })).toThrow(/resource: must be https/);
    expect(bad({ ...prmOptions, resource: "https://api.example.com/mcp#x" })).toThrow(/no query or fragment/);
    expect(bad({ ...prmOptions, resource: "https://api.example.com/mcp?tenant=1" })).toThrow(/no query or fragment/);
    expect(bad({ ...prmOptions, resource: "https://u:p@api.example.com/mcp" })).toThrow(/user name/);
    expect(bad({ ...prmOptions, resource: "mcp" })).toThrow(/absolute URL/);
    // Not as the registry stores it (and as clients then send it): refused, naming the canonical spelling.
    expect(bad({ ...prmOptions, resource: "https://API.example.com/mcp" })).toThrow(/canonical form, "https:\/\/api.example.com\/mcp"/);
    expect(bad({ ...prmOptions, resource: "https://api.example.com:443/mcp" })).toThrow(/canonical form/);
    expect(bad({ ...prmOptions, resource: "https://api.example.com/a/../mcp" })).toThrow(/canonical form/);
    expect(bad({ ...prmOptions, authorizationServers: [] })).toThrow(/authorizationServers/);
    expect(bad({ ...prmOptions, authorizationServers: ["http://auth.example.com"] })).toThrow(/authorizationServers\[0\]/);
    expect(bad({ ...prmOptions, scopes: ["a b"] })).toThrow(/scopes\[0\]/);
    expect(bad({ ...prmOptions, scopes: "repos:read" })).toThrow(/scopes: must be a list/);
    expect(bad({ ...prmOptions, bearerMethods: ["query"] })).toThrow(/bearerMethods/);
    expect(bad({ ...prmOptions, bearerMethods: ["header", "body"] })).toThrow(/bearerMethods/);
    expect(bad({ ...prmOptions, cacheSeconds: -1 })).toThrow(/cacheSeconds/);
    expect(bad({ ...prmOptions, resourceName: "" })).toThrow(/resourceName/);
    expect(bad({ ...prmOptions, audience: MCP })).toThrow(/audience: not an option/);
    expect(bad(null)).toThrow(/options: must be an object/);
    // Several at once: one error names them all.
    expect(bad({ resource: "x", authorizationServers: "y", scopes: [1] })).toThrow(/resource[\s\S]*authorizationServers[\s\S]*scopes\[0\]/);
    expect(protectedResourceMetadata({ ...prmOptions, bearerMethods: ["header"], scopes: [] })).toBeInstanceOf(Hono);
  });
});

describe.each(ENGINES)("requireAuth with resourceMetadataUrl (%s engine)", (engine) => {
  function api(opts: Partial<RequireAuthOptions> = {}) {
    const auth = requireAuth({ issuer: ISSUER, audience: MCP, keys: jwks, signatureEngine: engine, resourceMetadataUrl: PRM_URL, ...opts } as RequireAuthOptions);
    const app = new Hono<{ Variables: AuthVariables }>();
    app.all("/mcp", auth, (c) => c.json({ sub: c.var.auth.sub }));
    app.get("/write", auth, requireScopes("repos:write"), (c) => c.text("ok"));
    app.get("/admin", auth, requireRoles("maintainer"), (c) => c.text("ok"));
    return app;
  }
  const get = (app: Hono<{ Variables: AuthVariables }>, path: string, authorization?: string) =>
    app.request(path, authorization === undefined ? {} : { headers: { authorization } });

  it("a request without a token gets 401 whose challenge names the metadata (RFC 9728 §5.1), and the SDK reads it", async () => {
    const res = await get(api(), "/mcp");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(`Bearer realm="${MCP}", resource_metadata="${PRM_URL}"`);
    expect(extractWWWAuthenticateParams(res).resourceMetadataUrl?.href).toBe(PRM_URL);
  });

  it("every refusal carries it: a malformed token, a token for another audience, an API key not accepted here, a malformed header", async () => {
    const app = api();
    for (const authorization of ["Bearer not-a-jwt", `Bearer ${await tokenFor("https://other.example")}`, "Bearer abk_x"]) {
      const res = await get(app, "/mcp", authorization);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(new RegExp(`^Bearer realm="[^"]+", error="invalid_token", error_description="[^"]+", resource_metadata="${PRM_URL}"$`));
      expect(extractWWWAuthenticateParams(res)).toMatchObject({ error: "invalid_token", resourceMetadataUrl: new URL(PRM_URL) });
    }
    const malformed = await get(app, "/mcp", "Bearer a b");
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get("www-authenticate")).toContain(`resource_metadata="${PRM_URL}"`);
  });

  it("403 insufficient_scope names the needed scope and the metadata: the scopes option, requireScopes and requireRoles", async () => {
    const token = `Bearer ${await tokenFor(MCP, ["repos:read"])}`;
    const own = await get(api({ scopes: ["repos:read", "repos:write"] }), "/mcp", token);
    expect(own.status).toBe(403);
    expect(extractWWWAuthenticateParams(own)).toEqual({ error: "insufficient_scope", scope: "repos:read repos:write", resourceMetadataUrl: new URL(PRM_URL) });
    expect(await own.json()).toMatchObject({ error: "insufficient_scope", scope: "repos:read repos:write" });

    const guard = await get(api(), "/write", token);
    expect(guard.status).toBe(403);
    expect(guard.headers.get("www-authenticate")).toBe(`Bearer error="insufficient_scope", scope="repos:write", error_description="the token lacks scope: repos:write", resource_metadata="${PRM_URL}"`);
    const role = await get(api(), "/admin", token);
    expect(role.status).toBe(403);
    expect(role.headers.get("www-authenticate")).toContain(`resource_metadata="${PRM_URL}"`);

    expect((await get(api(), "/write", `Bearer ${await tokenFor(MCP, ["repos:read", "repos:write"])}`)).status).toBe(200);
  });

  it("without the option nothing changes: no resource_metadata anywhere", async () => {
    const app = api({ resourceMetadataUrl: undefined });
    expect((await get(app, "/mcp")).headers.get("www-authenticate")).toBe(`Bearer realm="${MCP}"`);
    const guard = await get(app, "/write", `Bearer ${await tokenFor(MCP)}`);
    expect(guard.headers.get("www-authenticate")).not.toContain("resource_metadata");
  });

  it("a guard after a requireAuth without the option does not borrow another instance's URL", async () => {
    const withUrl = requireAuth({ issuer: ISSUER, audience: MCP, keys: jwks, signatureEngine: engine, resourceMetadataUrl: PRM_URL });
    const without = requireAuth({ issuer: ISSUER, audience: MCP, keys: jwks, signatureEngine: engine });
    const app = new Hono<{ Variables: AuthVariables }>();
    app.get("/a", withUrl, requireScopes("repos:write"), (c) => c.text("a"));
    app.get("/b", without, requireScopes("repos:write"), (c) => c.text("b"));
    const token = `Bearer ${await tokenFor(MCP)}`;
    expect((await get(app, "/a", token)).headers.get("www-authenticate")).toContain("resource_metadata");
    expect((await get(app, "/b", token)).headers.get("www-authenticate")).not.toContain("resource_metadata");
  });

  it("the option must be an https URL (http only on localhost)", () => {
    expect(() => api({ resourceMetadataUrl: "http://api.example.com/.well-known/oauth-protected-resource" })).toThrow(/resourceMetadataUrl: must be https/);
    expect(() => api({ resourceMetadataUrl: "/.well-known/oauth-protected-resource" })).toThrow(/resourceMetadataUrl: must be an absolute URL/);
    expect(() => api({ resourceMetadataUrl: "http://localhost:3001/.well-known/oauth-protected-resource/mcp" })).not.toThrow();
  });
});

describe.each(ENGINES)("audiences match exactly, paths included (%s engine)", (engine) => {
  const guarded = (audience: string) => {
    const app = new Hono<{ Variables: AuthVariables }>();
    app.get("/r", requireAuth({ issuer: ISSUER, audience, keys: jwks, signatureEngine: engine }), (c) => c.text("ok"));
    return (token: string) => app.request("/r", { headers: { authorization: `Bearer ${token}` } });
  };

  it("a token for https://api.example.com/ is not one for https://api.example.com/mcp, nor the reverse", async () => {
    const mcp = guarded("https://api.example.com/mcp");
    const root = guarded("https://api.example.com/");
    const forRoot = await tokenFor("https://api.example.com/");
    const forMcp = await tokenFor("https://api.example.com/mcp");
    expect((await mcp(forMcp)).status).toBe(200);
    expect((await root(forRoot)).status).toBe(200);
    for (const [check, token] of [[mcp, forRoot], [root, forMcp]] as const) {
      const res = await check(token);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: "invalid_token", error_description: "the token is not meant for this audience" });
    }
  });

  it("no normalisation either: a trailing slash, a bare origin, a path prefix, another case or port are other audiences", async () => {
    const mcp = guarded("https://api.example.com/mcp");
    for (const aud of ["https://api.example.com/mcp/", "https://api.example.com", "https://api.example.com/mc", "https://api.example.com/mcp/tools", "https://API.example.com/mcp", "https://api.example.com:443/mcp", "http://api.example.com/mcp"]) {
      expect((await mcp(await tokenFor(aud))).status, aud).toBe(401);
    }
    // An audience list still has to hold the exact string.
    expect((await mcp(await tokenFor(["https://api.example.com/", "https://api.example.com/mcp"] as unknown as string))).status).toBe(200);
  });

  it("a real client_credentials token for the issuer's configured audience passes only the API with that exact audience", async () => {
    const { client, secret } = await createClient(t.deps.db, { name: `mcp-${engine}`, scopes: ["repos:read"] });
    const res = await postForm(t.app, "/token", { grant_type: "client_credentials", scope: "repos:read" }, { id: client.id, secret: secret! });
    expect(res.status).toBe(200);
    const token = ((await res.json()) as { access_token: string }).access_token;
    expect((await guarded(MCP)(token)).status).toBe(200);
    expect((await guarded("https://api.example.com/")(token)).status).toBe(401);
    expect((await guarded("https://api.example.com")(token)).status).toBe(401);
  });
});
