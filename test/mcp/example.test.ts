/**
 * examples/mcp over real HTTP, with the MCP SDK's own client on the other end and tokens minted by the real
 * authbridge app (client_credentials): the 401 that names the metadata, the metadata itself, tools listed
 * and called with a token that has the scope, a 403 `insufficient_scope` naming `repos:write` without it,
 * and no way in with a token for another audience.
 */
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { extractWWWAuthenticateParams } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMcpExample } from "../../examples/mcp/app";
import { createClient } from "../../src/clients/registry";
import { signAccessToken } from "../../src/tokens/access";
import { createTestApp, type TestApp } from "../support/app";
import { postForm } from "../support/oauth";

const ISSUER = "http://localhost:8787";

let t: TestApp;
let http: ServerType;
let origin: string;
let resource: string;
let prmUrl: string;
let creds: { id: string; secret: string };

/** A real client_credentials token from the app (its default audience is the MCP endpoint). */
async function mint(scope: string): Promise<string> {
  const res = await postForm(t.app, "/token", { grant_type: "client_credentials", scope }, creds);
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** The SDK's client, connected with a bearer token it was handed (no OAuth flow of its own here). */
async function connect(token: string): Promise<Client> {
  const client = new Client({ name: "example-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(resource), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

const textOf = (r: unknown) => ((r as CallToolResult).content[0] as { text: string }).text;

beforeAll(async () => {
  // The port first: the resource URL (and so the app's audience) includes it.
  let app: ReturnType<typeof createMcpExample> | undefined;
  http = serve({ fetch: (req) => app!.fetch(req), port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((r) => (http.listening ? r() : http.once("listening", () => r())));
  origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  resource = `${origin}/mcp`;
  prmUrl = `${origin}/.well-known/oauth-protected-resource/mcp`;

  t = await createTestApp({ env: { AUTHBRIDGE_ISSUER: ISSUER, AUTHBRIDGE_AUDIENCE: resource } });
  const { client, secret } = await createClient(t.deps.db, { name: "mcp-caller", scopes: ["repos:read", "repos:write"] });
  creds = { id: client.id, secret: secret! };
  const jwks = (await (await t.app.request("/.well-known/jwks.json")).json()) as { keys: JWK[] };
  app = createMcpExample({ resource, issuer: ISSUER, keys: jwks });
});

afterAll(async () => {
  await new Promise<void>((r) => (http ? http.close(() => r()) : r()));
  t?.close();
});

describe("examples/mcp", () => {
  it("answers a request without a token with 401 naming its metadata, and serves that metadata", async () => {
    const res = await fetch(resource, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(`Bearer realm="${resource}", resource_metadata="${prmUrl}"`);
    expect(extractWWWAuthenticateParams(res).resourceMetadataUrl?.href).toBe(prmUrl);

    const prm = await fetch(prmUrl);
    expect(prm.status).toBe(200);
    expect(await prm.json()).toEqual({
      resource,
      authorization_servers: [ISSUER],
      scopes_supported: ["repos:read", "repos:write"],
      bearer_methods_supported: ["header"],
      resource_name: "authbridge example MCP server",
    });
  });

  it("with a token carrying repos:write, the SDK's client lists the tools and calls them", async () => {
    const client = await connect(await mint("repos:read repos:write"));
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(["create_release", "whoami"]);
    expect(JSON.parse(textOf(await client.callTool({ name: "whoami", arguments: {} })))).toEqual({ sub: creds.id, client: creds.id, scopes: ["repos:read", "repos:write"] });
    const released = await client.callTool({ name: "create_release", arguments: { repository: "acme/api", tag: "v1.2.3" } });
    expect(released.isError).toBeFalsy();
    expect(textOf(released)).toBe(`released acme/api@v1.2.3 for ${creds.id}`);
    // The tool's input schema still applies.
    const bad = await client.callTool({ name: "create_release", arguments: { repository: "evil/api", tag: "v1" } });
    expect(bad.isError).toBe(true);
    await client.close();
  });

  it("without repos:write, create_release is refused with 403 insufficient_scope naming the scope; whoami still works", async () => {
    const token = await mint("repos:read");
    const client = await connect(token);
    expect(JSON.parse(textOf(await client.callTool({ name: "whoami", arguments: {} })))).toMatchObject({ scopes: ["repos:read"] });
    const refused = await client.callTool({ name: "create_release", arguments: { repository: "acme/api", tag: "v1.2.3" } }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(StreamableHTTPError);
    expect((refused as StreamableHTTPError).code).toBe(403);
    await client.close();

    // What the client was told, as raw HTTP.
    const res = await fetch(resource, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "create_release", arguments: { repository: "acme/api", tag: "v1.0.0" } } }),
    });
    expect(res.status).toBe(403);
    expect(extractWWWAuthenticateParams(res)).toEqual({ error: "insufficient_scope", scope: "repos:write", resourceMetadataUrl: new URL(prmUrl) });
    // A batch hiding the call behind an allowed one is refused the same way.
    const batch = await fetch(resource, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "whoami", arguments: {} } },
        { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "create_release", arguments: { repository: "acme/api", tag: "v1.0.0" } } },
      ]),
    });
    expect(batch.status).toBe(403);
  });

  it("a token for another audience (the server's default is not this resource) is refused with 401 invalid_token", async () => {
    const { token } = await signAccessToken(t.deps.keys, { issuer: ISSUER, ttl: 600 }, { sub: "acct_1", clientId: creds.id, scopes: ["repos:read", "repos:write"], roles: [], aud: `${origin}/` });
    const res = await fetch(resource, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
    expect(extractWWWAuthenticateParams(res)).toMatchObject({ error: "invalid_token", resourceMetadataUrl: new URL(prmUrl) });
  });

  it("stateless: GET and DELETE answer 405; a body that is not JSON answers a JSON-RPC parse error; an oversized body 400", async () => {
    const token = await mint("repos:read");
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream" };
    for (const method of ["GET", "DELETE"]) {
      const res = await fetch(resource, { method, headers });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
    }
    const parse = await fetch(resource, { method: "POST", headers, body: "{not json" });
    expect(parse.status).toBe(400);
    expect(await parse.json()).toMatchObject({ error: { code: -32700 } });
    const big = await fetch(resource, { method: "POST", headers, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", pad: "x".repeat(100_000) }) });
    expect(big.status).toBe(400);
    // Without a token, the size of the body does not matter: 401 first.
    expect((await fetch(resource, { method: "POST", body: "x".repeat(100_000) })).status).toBe(401);
  });
});
