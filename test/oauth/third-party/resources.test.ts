/**
 * Resources (RFC 8707): any client may ask for a registered resource and gets it as `aud`, its scopes
 * narrowed to what the resource understands (asked ∩ entitled ∩ the client's ∩ the resource's); matching
 * is exact, paths included; an unknown resource is invalid_target at /authorize and /token; a refresh
 * keeps its resource (and refuses another), and stops once the resource is removed; a client's own
 * audiences keep working. Also the registry itself (canonical URIs, CLI commands, configuration).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resourceChecks, resourceRuns } from "../../../src/cli/resource-commands";
import { createClient } from "../../../src/clients/registry";
import { parseConfig } from "../../../src/config";
import { addResource, listResources, removeResource } from "../../../src/resources/registry";
import { claimsOf, postForm } from "../../support/oauth";
import { createHarness, ISSUER, MCP, startStores, type Harness } from "./harness";

let stores: Awaited<ReturnType<typeof startStores>>;
beforeAll(async () => {
  stores = await startStores();
});
afterAll(async () => {
  await stores?.stop();
});

const ROOT_API = "https://api.example.com/";
const PATH_API = "https://api.example.com/v2";

for (const store of ["embedded", "upstash"] as const) {
  describe(`resources (${store} store)`, () => {
    let h: Harness;
    let machine: { id: string; secret: string };
    beforeAll(async () => {
      h = await createHarness(store, stores.bridge);
      await addResource(h.t.deps.db, { uri: PATH_API, name: "API v2", scopes: ["repos:read", "notes:read"] }, "test");
      const made = await createClient(h.t.deps.db, { name: "machine", scopes: ["notes:read", "notes:write", "deploy"], grants: ["client_credentials"] });
      machine = { id: made.client.id, secret: made.secret! };
    });
    afterAll(() => h.close());

    const cc = (resource: string | string[] | undefined, scope?: string) =>
      postForm(h.t.app, "/token", { grant_type: "client_credentials", ...(resource !== undefined ? { resource } : {}), ...(scope ? { scope } : {}) }, machine);

    it("any client may ask for a registered resource: aud is it, scopes within what it understands", async () => {
      const res = await cc(MCP);
      const body = (await res.json()) as { access_token: string; scope: string };
      expect(res.status).toBe(200);
      expect(body.scope).toBe("notes:read notes:write"); // `deploy` is the client's, not the MCP server's
      expect(claimsOf(body.access_token)).toMatchObject({ aud: MCP, scope: "notes:read notes:write" });
      expect(await (await cc(MCP, "deploy")).json()).toMatchObject({ error: "invalid_scope" });
      // Without a resource the client keeps the default audience and its own scopes.
      expect(claimsOf(((await (await cc(undefined)).json()) as { access_token: string }).access_token)).toMatchObject({ aud: ISSUER, scope: "deploy notes:read notes:write" });
    });

    it("matching is exact, paths included; unknown resources, two resources and fragments are invalid_target", async () => {
      for (const near of ["https://api.example.com/", "https://api.example.com/v2/", "https://api.example.com/v", "https://API.example.com/v2", "https://mcp.example.com/mcp/", "https://mcp.example.com"]) {
        expect(await (await cc(near)).json(), near).toMatchObject({ error: "invalid_target" });
      }
      expect(await (await cc([MCP, PATH_API])).json()).toMatchObject({ error: "invalid_target" });
      expect(await (await cc(`${MCP}#x`)).json()).toMatchObject({ error: "invalid_target" });
      expect((await cc(PATH_API)).status).toBe(200);
      // At /authorize the refusal goes back to the client, with state.
      const b = await h.signIn("exact-person");
      const client = await h.firstParty();
      const out = await h.authorize(b, client, { resource: ROOT_API });
      if (out.kind !== "redirect") throw new Error("expected a redirect");
      expect(Object.fromEntries(out.location.searchParams)).toMatchObject({ error: "invalid_target", state: "st", iss: ISSUER });
    });

    it("the code flow: asked ∩ entitled ∩ the resource's; /token's resource must be the code's; refresh keeps it", async () => {
      const b = await h.signIn("flow-person"); // entitled to notes:*, authbridge:admin, repos:read, profile
      const client = await h.firstParty();
      const t1 = await h.tokensFor(b, client, { resource: PATH_API, scope: "repos:read notes:write authbridge:admin" });
      expect(t1.scope).toBe("repos:read");
      expect(claimsOf(t1.access_token)).toMatchObject({ aud: PATH_API, scope: "repos:read" });
      // Nothing asked: what the resource understands and the person holds.
      expect((await h.tokensFor(b, client, { resource: PATH_API, scope: "" })).scope).toBe("notes:read repos:read");

      const out = await h.authorize(b, client, { resource: PATH_API, scope: "repos:read" });
      if (out.kind !== "redirect") throw new Error("expected a code");
      const wrong = await h.redeem(client, out.location.searchParams.get("code")!, out.verifier, { resource: MCP });
      expect(await wrong.json()).toMatchObject({ error: "invalid_target" });

      const r = await h.refresh(client, t1.refresh_token!);
      const refreshed = (await r.json()) as { access_token: string; refresh_token: string };
      expect(r.status).toBe(200);
      expect(claimsOf(refreshed.access_token)).toMatchObject({ aud: PATH_API, scope: "repos:read" });
      expect(await (await h.refresh(client, refreshed.refresh_token, { resource: MCP })).json()).toMatchObject({ error: "invalid_target" });
      // Refused before issuing: the same token still refreshes, naming its own resource.
      const again = await h.refresh(client, refreshed.refresh_token, { resource: PATH_API });
      expect(again.status).toBe(200);
    });

    it("a removed resource gets no new tokens and its families stop refreshing", async () => {
      const uri = `https://gone-${store}.example.com/api`;
      await addResource(h.t.deps.db, { uri, name: "Going", scopes: ["notes:read"] }, "test");
      const b = await h.signIn("removed-person");
      const client = await h.firstParty();
      const t1 = await h.tokensFor(b, client, { resource: uri, scope: "notes:read" });
      await removeResource(h.t.deps.db, uri, "test");
      h.t.advance(31_000); // past the per-app cache of registry answers
      expect(await (await h.refresh(client, t1.refresh_token!)).json()).toMatchObject({ error: "invalid_grant" });
      expect(await (await cc(uri)).json()).toMatchObject({ error: "invalid_target" });
    });

    it("a client's own audiences still work (no resource narrowing); the default audience stays first-party", async () => {
      const b = await h.signIn("audience-person");
      const legacy = "https://legacy.example.com";
      const client = await h.firstParty({ audiences: [legacy] });
      const t1 = await h.tokensFor(b, client, { resource: legacy, scope: "authbridge:admin repos:read" });
      expect(claimsOf(t1.access_token)).toMatchObject({ aud: legacy, scope: "authbridge:admin repos:read" });
      const t2 = await h.tokensFor(b, client, { resource: "", scope: "profile" });
      expect(claimsOf(t2.access_token)).toMatchObject({ aud: ISSUER, scope: "profile" });
      const other = await h.firstParty();
      const out = await h.authorize(b, other, { resource: legacy });
      if (out.kind !== "redirect") throw new Error("expected a redirect");
      expect(out.location.searchParams.get("error")).toBe("invalid_target");
    });
  });
}

describe("the registry", () => {
  it("stores canonical URIs, refuses duplicates, queries and fragments; the CLI names the flag", async () => {
    const h = await createHarness("embedded", undefined);
    const db = h.t.deps.db;
    const added = await addResource(db, { uri: "https://Tools.Example.com", name: "Tools", scopes: ["a", "b", "a"], descriptions: { a: "Do A" } }, "test");
    expect(added).toMatchObject({ uri: "https://tools.example.com/", scopes: ["a", "b"], descriptions: { a: "Do A" }, source: "database" });
    await expect(addResource(db, { uri: "https://tools.example.com/", name: "Again", scopes: ["a"] }, "test")).rejects.toThrow(/already registered/);
    for (const uri of ["https://x.example.com/?q=1", "https://x.example.com/#f", "http://x.example.com/", "https://u:p@x.example.com/", "not a uri"])
      await expect(addResource(db, { uri, name: "X", scopes: ["a"] }, "test"), uri).rejects.toThrow();
    await expect(addResource(db, { uri: "https://y.example.com/", name: "Y", scopes: ["a"], descriptions: { b: "nope" } }, "test")).rejects.toThrow(/does not list/);

    const ctx = { db, deps: undefined, secret: undefined };
    const args = (values: Record<string, string | string[]>, positionals: Record<string, string> = {}) => ({ values, positionals });
    expect(() => resourceChecks["resources add"]!(args({ uri: "http://api.example.com", name: "N", scopes: "a" }))).toThrow(/^--uri: must be https/);
    expect(() => resourceChecks["resources add"]!(args({ uri: "https://api.example.com", name: "N", scopes: "" }))).toThrow(/^--scopes: give at least one scope/);
    expect(() => resourceChecks["resources add"]!(args({ uri: "https://api.example.com", name: "N", scopes: "a", describe: ["b=words"] }))).toThrow(/^--describe b: describes a scope/);
    expect(() => resourceChecks["resources add"]!(args({ uri: "https://api.example.com", name: "N", scopes: "a", describe: ["a"] }))).toThrow(/^--describe "a": expected SCOPE=WORDS/);
    expect(() => resourceChecks["resources remove"]!(args({}, { URI: "ftp://x" }))).toThrow(/^URI "ftp:\/\/x"/);
    const made = await resourceRuns["resources add"]!(args({ uri: "https://cli.example.com/mcp", name: "CLI", scopes: "x:read x:write", describe: ["x:read=Read x"] }), ctx);
    expect(made).toMatchObject({ uri: "https://cli.example.com/mcp", name: "CLI", scopes: ["x:read", "x:write"], scope_descriptions: { "x:read": "Read x" }, source: "database" });
    await expect(resourceRuns["resources add"]!(args({ uri: "https://cli.example.com/mcp", name: "CLI", scopes: "x:read" }), ctx)).rejects.toThrow(/^--uri: .*already registered/);
    const listed = (await resourceRuns["resources list"]!(args({}), ctx)) as { uri: string }[];
    expect(listed.map((r) => r.uri)).toEqual(["https://cli.example.com/mcp", MCP, "https://tools.example.com/"]);
    expect(await resourceRuns["resources remove"]!(args({}, { URI: "https://cli.example.com/mcp" }), ctx)).toMatchObject({ uri: "https://cli.example.com/mcp" });
    await expect(resourceRuns["resources remove"]!(args({}, { URI: "https://cli.example.com/mcp" }), ctx)).rejects.toThrow(/^no resource/);
    expect((await listResources(db)).map((r) => r.uri)).toEqual([MCP, "https://tools.example.com/"]);
    h.close();
  });

  it("AUTHBRIDGE_RESOURCES declares resources in the configuration; mistakes are named at start", async () => {
    const env = { AUTHBRIDGE_SECRET: "a".repeat(64), DATABASE_URL: "file:/tmp/unused.db" };
    const config = parseConfig({ ...env, AUTHBRIDGE_RESOURCES: JSON.stringify([{ uri: "https://Conf.example.com/mcp", name: "Conf", scopes: ["c"] }]) }, "node");
    expect(config.resources).toEqual([{ uri: "https://conf.example.com/mcp", name: "Conf", scopes: ["c"], descriptions: {}, source: "configuration", createdAt: null }]);
    expect(() => parseConfig({ ...env, AUTHBRIDGE_RESOURCES: "[{" }, "node")).toThrow(/AUTHBRIDGE_RESOURCES: must be a JSON array/);
    expect(() => parseConfig({ ...env, AUTHBRIDGE_RESOURCES: JSON.stringify([{ uri: "https://a.example.com/", name: "A", scopes: [] }]) }, "node")).toThrow(/\[0\]\.scopes/);
    const h = await createHarness("embedded", undefined, { env: { AUTHBRIDGE_RESOURCES: JSON.stringify([{ uri: "https://conf.example.com/mcp", name: "Conf", scopes: ["notes:read"] }]) } });
    const made = await createClient(h.t.deps.db, { name: "m", scopes: ["notes:read", "deploy"], grants: ["client_credentials"] });
    const res = await postForm(h.t.app, "/token", { grant_type: "client_credentials", resource: "https://conf.example.com/mcp" }, { id: made.client.id, secret: made.secret! });
    expect(claimsOf(((await res.json()) as { access_token: string }).access_token)).toMatchObject({ aud: "https://conf.example.com/mcp", scope: "notes:read" });
    h.close();
  });
});
