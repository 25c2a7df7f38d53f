/**
 * The MCP authorization profile end to end, with the MCP SDK's OWN client and its OAuth support (`auth()`,
 * `OAuthClientProvider`, the Streamable HTTP transport's `authProvider`) against examples/mcp and a real
 * authbridge, a person in Chromium:
 *
 * 1. the client meets the 401, reads the protected-resource metadata it names and authbridge's metadata;
 * 2. it registers — at `/register` (RFC 7591), or by naming its Client ID Metadata Document, an https URL
 *    this test serves with a certificate from a CA made for the run;
 * 3. the person signs in through the dev login as a GitHub member of `acme/platform`, and allows the app on
 *    the consent screen (its name, that it comes back to this device, the MCP server, each scope);
 * 4. the client gets a token for exactly the MCP server (`resource`, RFC 8707), calls `create_release`
 *    (needs `repos:write`), and refreshes;
 * 5. the person leaves the team (signs in again without it), the client refreshes, and the call is refused:
 *    403 `insufficient_scope` naming `repos:write`.
 *
 * `/register` runs against the real Node entry (`src/node.ts`, as `npm start`). The metadata document
 * runs against the same app built in this process over real HTTP, because the document is served from this
 * machine: the Node server refuses (rightly, with no switch) to fetch from loopback addresses, so the test
 * hands the app the real fetcher with the address rule widened to loopback, the test's host name resolved
 * to 127.0.0.1, and the test CA trusted — everything else (https, the certificate check against the host
 * name, no redirects, the size and time bounds, the policy) is production's.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { serve, type ServerType } from "@hono/node-server";
import { auth, UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMcpExample } from "../../examples/mcp/app";
import { createApp } from "../../src/app";
import { parseConfig } from "../../src/config";
import { openDatabase, tuneLocalDatabase } from "../../src/db/client";
import { applyMigrations } from "../../src/db/migrate";
import { silentLogger } from "../../src/lib/log";
import { generateSecret } from "../../src/lib/secret";
import { addResource } from "../../src/resources/registry";
import { buildNodeDeps } from "../../src/runtime/node-deps";
import { nodeDocumentFetch } from "../../src/runtime/node-document-fetch";
import { MemoryClientProvider } from "../mcp/client-provider";
import { testCertificate } from "../mcp/test-certificate";
import { startNodeServer, type NodeServer } from "../support/node-server";
import { claimsOf } from "../support/oauth";
import { freePort, tempDir } from "../support/temp";
import { hasChromium, launchChromium } from "./page-checks";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RULES = readFileSync(`${ROOT}authbridge.rules.example.json`, "utf8");
/** Where the client's metadata document lives: a public-looking name this test resolves to 127.0.0.1. */
const CIMD_HOST = "mcp-client.authbridge.test";
const RESOURCE_SCOPES = ["repos:read", "repos:write"];
const DESCRIPTIONS = { "repos:read": "Read acme's repositories", "repos:write": "Create releases of acme's repositories" };

const dir = tempDir("authbridge-mcp-e2e-");

/** An authbridge and the MCP server it issues tokens for. Both stop in afterAll. */
interface Authority {
  issuer: string;
  /** The MCP endpoint: the registered resource, the tokens' `aud`. */
  resource: string;
}

let browser: Browser;
let callbackServer: http.Server;
let callback: string;
let documentServer: https.Server;
let documentUrl: string;
let documentHits = 0;
/** The run's CA (PEM): trusted by the in-process authbridge's document fetcher, and by nothing else. */
let testCa: string;
/** What afterAll stops, registered the moment each thing starts (so a failure halfway leaks nothing). */
const stops: Array<() => Promise<void>> = [];

function listen(server: http.Server | https.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

const closeServer = (server: { close(cb: () => void): unknown; closeAllConnections?(): void } | undefined) =>
  new Promise<void>((resolve) => {
    if (!server) return resolve();
    server.closeAllConnections?.();
    server.close(() => resolve());
  });

/** The example MCP server for `issuer`, on a port of its own; returns its resource URL. */
async function startMcp(issuer: string): Promise<string> {
  const port = await freePort();
  const resource = `http://localhost:${port}/mcp`;
  const app = createMcpExample({ resource, issuer, jwksUrl: `${issuer}/.well-known/jwks.json` });
  const server: ServerType = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" });
  stops.push(() => closeServer(server as http.Server));
  await new Promise<void>((r) => (server.listening ? r() : server.once("listening", () => r())));
  return resource;
}

/** authbridge as `npm start` runs it: dev login, the example rules, dynamic registration on. */
async function spawnedAuthority(): Promise<Authority> {
  const cwd = `${dir.path}/spawned`;
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  mkdirSync(cwd, { recursive: true });
  const server: NodeServer = await startNodeServer({
    cwd,
    port,
    env: {
      AUTHBRIDGE_ISSUER: issuer,
      HOST: "127.0.0.1",
      AUTHBRIDGE_DEV_LOGIN: "1",
      AUTHBRIDGE_RULES_FILE: `${ROOT}authbridge.rules.example.json`,
      AUTHBRIDGE_DYNAMIC_REGISTRATION: "1",
      AUTHBRIDGE_CIMD: "any",
    },
  });
  stops.push(() => server.stop());
  const resource = await startMcp(issuer);
  // What `resources add` does, straight into the server's database.
  const { db, client } = openDatabase({ url: `file:${cwd}/.data/authbridge.db` });
  try {
    await addResource(db, { uri: resource, name: "Example MCP", scopes: RESOURCE_SCOPES, descriptions: DESCRIPTIONS }, "test");
  } finally {
    client.close();
  }
  return { issuer, resource };
}

/**
 * The same app built in this process and served over HTTP, with metadata documents on (for CIMD_HOST
 * only) and dynamic registration off, so the SDK must take the document path.
 */
async function inProcessAuthority(ca: string): Promise<Authority> {
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const config = parseConfig(
    {
      AUTHBRIDGE_SECRET: generateSecret(),
      DATABASE_URL: `file:${dir.path}/in-process.db`,
      AUTHBRIDGE_ISSUER: issuer,
      PORT: String(port),
      AUTHBRIDGE_DEV_LOGIN: "1",
      AUTHBRIDGE_RULES: RULES,
      AUTHBRIDGE_CIMD: CIMD_HOST,
    },
    "node",
  );
  const deps = buildNodeDeps(config, silentLogger, {
    metadataDocumentFetch: nodeDocumentFetch({
      resolve: async (hostname) => (hostname === CIMD_HOST ? [{ address: "127.0.0.1", family: 4 }] : []),
      isAllowedAddress: (address) => address === "127.0.0.1",
      ca,
    }),
  });
  stops.push(async () => deps.dbClient.close());
  await tuneLocalDatabase(config.databaseUrl, deps.dbClient);
  await applyMigrations(deps.db);
  await deps.keys.ensureCurrent();
  const app = createApp(deps);
  const server: ServerType = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" });
  stops.push(() => closeServer(server as http.Server));
  await new Promise<void>((r) => (server.listening ? r() : server.once("listening", () => r())));
  const resource = await startMcp(issuer);
  await addResource(deps.db, { uri: resource, name: "Example MCP", scopes: RESOURCE_SCOPES, descriptions: DESCRIPTIONS }, "test");
  return { issuer, resource };
}

beforeAll(async () => {
  if (!hasChromium) return;
  // The client application's redirect URI: a page on this device, as MCP hosts use.
  callbackServer = http.createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<h1>signed in; back to your MCP client</h1>"));
  callback = `http://127.0.0.1:${await listen(callbackServer)}/callback`;

  const tls = testCertificate(dir.path, CIMD_HOST);
  documentServer = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    documentHits++;
    if (req.url !== "/clients/mcp-e2e.json") return res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=300" }).end(
      JSON.stringify({
        client_id: documentUrl,
        client_name: "MCP e2e (metadata document)",
        client_uri: `https://${CIMD_HOST}/`,
        redirect_uris: [callback],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "none",
      }),
    );
  });
  documentUrl = `https://${CIMD_HOST}:${await listen(documentServer)}/clients/mcp-e2e.json`;
  testCa = tls.caPem;

  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  for (const stop of stops.reverse()) await stop();
  await closeServer(callbackServer);
  await closeServer(documentServer);
  dir.remove();
});

const textOf = (r: unknown) => ((r as CallToolResult).content[0] as { text: string }).text;
const release = { name: "create_release", arguments: { repository: "acme/api", tag: "v1.2.3" } };

/** A fetch that records what the SDK asks for, method and URL, in order. */
function recordingFetch(seen: string[]): FetchLike {
  return (url, init) => {
    seen.push(`${init?.method ?? "GET"} ${String(url)}`);
    return fetch(url, init);
  };
}

/** Connect the SDK's client through the provider (which holds the tokens by now). */
async function connect(resource: string, provider: MemoryClientProvider, fetchFn: FetchLike): Promise<Client> {
  const client = new Client({ name: "mcp-e2e", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider, fetch: fetchFn }));
  return client;
}

/** The dev login as a GitHub identity (a fresh browser context: no session yet). Ends wherever the flow goes. */
async function devLogin(page: import("playwright-core").Page, person: { subject: string; username: string; teams: string }): Promise<void> {
  expect(await page.locator("h1").textContent()).toBe("Dev login");
  await page.selectOption('select[name="impersonate"]', "github");
  await page.fill('input[name="subject"]', person.subject);
  await page.fill('input[name="username"]', person.username);
  await page.fill('input[name="orgs"]', "acme");
  await page.fill('input[name="teams"]', person.teams);
  await page.click('button[type="submit"]');
}

/**
 * Everything after registration is the same for both ways of registering: sign in, consent, tokens, the
 * tool, a refresh, the team taken away, a refresh, the refusal.
 */
async function signInAndUse(a: Authority, provider: MemoryClientProvider, transport: StreamableHTTPClientTransport, fetchFn: FetchLike, clientName: string) {
  const person = { subject: randomBytes(4).readUInt32BE().toString(), username: `ada-${randomBytes(3).toString("hex")}` };
  const authorization = provider.authorizationUrls.at(-1)!;
  expect(authorization.origin + authorization.pathname).toBe(`${a.issuer}/authorize`);
  expect(authorization.searchParams.get("resource")).toBe(a.resource);
  expect(authorization.searchParams.get("code_challenge_method")).toBe("S256");
  // What the metadata advertised, since the 401 named no scope.
  expect(authorization.searchParams.get("scope")).toBe("repos:read repos:write");

  // The person: the chooser, the dev login as a member of acme/platform, the consent screen.
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(authorization.href);
  await page.click('a[href^="/auth/dev/start"]');
  await devLogin(page, { ...person, teams: "acme/platform" });
  await page.waitForSelector("#consent-client");
  expect(await page.locator("#consent-client").textContent()).toBe(clientName);
  expect(await page.locator("#consent-resource").textContent()).toContain(a.resource);
  expect(await page.locator("#consent-scopes li").evaluateAll((lis) => lis.map((li) => li.getAttribute("data-scope")))).toEqual(["repos:read", "repos:write"]);
  expect(await page.locator("#consent-scopes").textContent()).toContain(DESCRIPTIONS["repos:write"]);
  // The answer comes back to this device: the screen says so.
  expect(await page.locator("#consent-loopback").isVisible()).toBe(true);
  await page.screenshot({ path: process.env.MCP_E2E_SCREENSHOTS ? `${process.env.MCP_E2E_SCREENSHOTS}/consent-${provider.clientMetadataUrl ? "document" : "register"}.png` : `${dir.path}/consent.png` });
  await Promise.all([page.waitForURL((u) => u.href.startsWith(callback)), page.click('button[name="decision"][value="approve"]')]);
  const landed = new URL(page.url());
  expect(landed.searchParams.get("state")).toBe(provider.lastState);
  expect(landed.searchParams.get("iss")).toBe(a.issuer);
  const code = landed.searchParams.get("code");
  expect(code).toMatch(/^ac_/);
  await context.close();

  // The SDK exchanges the code (with the resource) and keeps the tokens.
  await transport.finishAuth(code!);
  const first = provider.tokens()!;
  expect(first.refresh_token).toBeTruthy();
  expect(claimsOf(first.access_token)).toMatchObject({ iss: a.issuer, aud: a.resource, scope: "repos:read repos:write" });

  // The tool, through the SDK's client.
  const client = await connect(a.resource, provider, fetchFn);
  expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(["create_release", "whoami"]);
  const released = await client.callTool(release);
  expect(released.isError).toBeFalsy();
  expect(textOf(released)).toMatch(/^released acme\/api@v1\.2\.3 for acct_/);

  // A refresh, as the SDK does it: a new access token and a rotated refresh token, still for the MCP server.
  expect(await auth(provider, { serverUrl: a.resource, fetchFn })).toBe("AUTHORIZED");
  const second = provider.tokens()!;
  expect(second.access_token).not.toBe(first.access_token);
  expect(second.refresh_token).not.toBe(first.refresh_token);
  expect(claimsOf(second.access_token)).toMatchObject({ aud: a.resource, scope: "repos:read repos:write" });
  expect((await client.callTool(release)).isError).toBeFalsy();

  // The person leaves acme/platform: they sign in again (another browser, their own session) without it.
  const later = await browser.newContext();
  const again = await later.newPage();
  await again.goto(`${a.issuer}/auth/dev/start?intent=login&return_to=${encodeURIComponent("/account")}`);
  await devLogin(again, { ...person, teams: "" });
  await again.waitForURL(`${a.issuer}/account`);
  await later.close();

  // The next refresh carries what the rules give now: no repos:write; the call is refused with a challenge
  // naming it (the SDK tries to step up once, by refreshing again, then gives up with the 403).
  expect(await auth(provider, { serverUrl: a.resource, fetchFn })).toBe("AUTHORIZED");
  const third = provider.tokens()!;
  expect(claimsOf(third.access_token)).toMatchObject({ aud: a.resource, scope: "repos:read" });
  const refused = await client.callTool(release).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(refused).toBeInstanceOf(StreamableHTTPError);
  expect((refused as StreamableHTTPError).code).toBe(403);
  expect(JSON.parse(textOf(await client.callTool({ name: "whoami", arguments: {} })))).toMatchObject({ scopes: ["repos:read"] });
  const raw = await fetch(a.resource, {
    method: "POST",
    headers: { authorization: `Bearer ${provider.tokens()!.access_token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/call", params: release }),
  });
  expect(raw.status).toBe(403);
  expect(raw.headers.get("www-authenticate")).toContain('error="insufficient_scope", scope="repos:write"');
  await client.close();
}

describe.skipIf(!hasChromium)("an MCP client nobody configured, with the MCP SDK's own OAuth", () => {
  it("registers at /register, signs a person in through the dev login and consent, calls the tool, refreshes, and loses the tool with the team (real Node server)", async () => {
    const a = await spawnedAuthority();
    const provider = new MemoryClientProvider({ redirectUrl: callback, clientName: "MCP e2e (registered)" });
    const seen: string[] = [];
    const fetchFn = recordingFetch(seen);
    const transport = new StreamableHTTPClientTransport(new URL(a.resource), { authProvider: provider, fetch: fetchFn });
    const first = new Client({ name: "mcp-e2e", version: "1.0.0" });
    await expect(first.connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);

    // The 401, then the protected-resource metadata it named, authbridge's metadata, and the registration.
    const prm = `${new URL(a.resource).origin}/.well-known/oauth-protected-resource/mcp`;
    expect(seen[0]).toBe(`POST ${a.resource}`);
    const order = [prm, `${a.issuer}/.well-known/oauth-authorization-server`, `${a.issuer}/register`].map((u) => seen.findIndex((s) => s.endsWith(` ${u}`)));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((x, y) => x - y)).toEqual(order);
    const registered = provider.clientInformation()!;
    expect(registered.client_id).toMatch(/^client_/);
    expect(registered.client_secret).toBeUndefined();

    await signInAndUse(a, provider, transport, fetchFn, "MCP e2e (registered)");
  }, 120_000);

  it("names its Client ID Metadata Document (https, a test CA), signs in, consents, calls, refreshes, and loses the tool with the team", async () => {
    const a = await inProcessAuthority(testCa);
    const provider = new MemoryClientProvider({ redirectUrl: callback, clientName: "MCP e2e (metadata document)", clientMetadataUrl: documentUrl });
    const seen: string[] = [];
    const fetchFn = recordingFetch(seen);
    const transport = new StreamableHTTPClientTransport(new URL(a.resource), { authProvider: provider, fetch: fetchFn });
    await expect(new Client({ name: "mcp-e2e", version: "1.0.0" }).connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);

    // No registration request: the document URL is the client id, and authbridge fetched the document.
    expect(seen.some((s) => s.endsWith("/register"))).toBe(false);
    expect(provider.clientInformation()?.client_id).toBe(documentUrl);
    expect(provider.authorizationUrls.at(-1)!.searchParams.get("client_id")).toBe(documentUrl);
    // Nobody has read the document yet: authbridge fetches it when the client first shows up.
    expect(documentHits).toBe(0);

    await signInAndUse(a, provider, transport, fetchFn, "MCP e2e (metadata document)");
    // Fetched over https from the test's server, and kept (max-age=300) rather than fetched per request.
    expect(documentHits).toBeGreaterThan(0);
    expect(documentHits).toBeLessThanOrEqual(2);
  }, 120_000);
});
