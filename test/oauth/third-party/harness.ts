/**
 * Third-party clients under test, the real way: the real app on a temp database and a real state store
 * (embedded, or Upstash through the bridge), people signing in through the dev connector and entitled by
 * the rules below, a registered MCP resource, and a resource server allowed to introspect its tokens.
 */
import { expect } from "vitest";
import { createClient } from "../../../src/clients/registry";
import { addResource } from "../../../src/resources/registry";
import type { RuntimeHooks } from "../../../src/runtime/build-deps";
import { createTestApp, type TestApp } from "../../support/app";
import { FakeBrowser } from "../../support/fakes";
import { authorizeUrl, pkce } from "../../support/login";
import { postForm } from "../../support/oauth";
import { startRedis } from "../../support/redis-server";
import { startUpstashBridge, type UpstashBridge } from "../../support/upstash-bridge";

export const ISSUER = "http://localhost:8787";
/** The registered MCP server: tokens for it carry only {@link MCP_SCOPES}. */
export const MCP = "https://mcp.example.com/mcp";
export const MCP_SCOPES = ["notes:read", "notes:write"];
export const MCP_DESCRIPTIONS = { "notes:read": "Read your notes", "notes:write": "Create and change your notes" };
/** Where third-party apps send people back. */
export const CB = "https://app.example.com/cb";
export const LOOPBACK_CB = "http://127.0.0.1:8976/callback";

/**
 * Members of org `acme` may read and write notes, are operators of this server (`authbridge:admin`, which no
 * resource understands) and may read repos; everybody gets `profile`.
 */
export const RULES = {
  roles: {},
  rules: [
    { when: { provider: "github", org: "acme" }, grant: ["notes:read", "notes:write", "authbridge:admin", "repos:read"] },
    { when: {}, grant: ["profile"] },
  ],
};

/** Client credentials. */
export interface Creds {
  id: string;
  secret: string;
}

/** Tokens from /token. */
export interface Tokens {
  access_token: string;
  refresh_token?: string;
  scope: string;
}

/** What `/authorize` led to: the consent screen (its form fields) or the client's redirect. */
export type AuthorizeOutcome =
  | { kind: "consent"; html: string; req: string; csrf: string; res: Response }
  | { kind: "redirect"; location: URL; res: Response }
  | { kind: "page"; status: number; html: string };

/** One app under test. */
export interface Harness {
  t: TestApp;
  /** A confidential resource server allowed to introspect tokens for {@link MCP}. */
  rs: Creds;
  signIn(subject: string, orgs?: string[]): Promise<FakeBrowser>;
  /** GET /authorize for the signed-in browser with PKCE; `params` override the defaults. */
  authorize(b: FakeBrowser, clientId: string, params?: Record<string, string | string[]>): Promise<AuthorizeOutcome & { verifier: string }>;
  /** Answer a consent screen. */
  decide(b: FakeBrowser, consent: { req: string; csrf: string }, decision: "approve" | "deny", headers?: Record<string, string>): Promise<Response>;
  /** Redeem a code as the public client. */
  redeem(clientId: string, code: string, verifier: string, extra?: Record<string, string>, redirectUri?: string): Promise<Response>;
  /** The whole way to tokens: authorize, approve the consent screen when one shows, redeem. */
  tokensFor(b: FakeBrowser, clientId: string, params?: Record<string, string | string[]>): Promise<Tokens>;
  refresh(clientId: string, refreshToken: string, extra?: Record<string, string>): Promise<Response>;
  introspect(token: string): Promise<{ active: boolean } & Record<string, unknown>>;
  /** A first-party public client (created by the operator). */
  firstParty(opts?: { redirectUris?: string[]; audiences?: string[] }): Promise<string>;
  /** A developer's app: third-party. */
  developerApp(ownerAccountId?: string): Promise<string>;
  close(): void;
}

/** Redis and the Upstash bridge for a test file. */
export async function startStores(): Promise<{ bridge: UpstashBridge; stop(): Promise<void> }> {
  const redis = await startRedis();
  const bridge = await startUpstashBridge({ redisPort: redis.port, token: "third-party" });
  return {
    bridge,
    stop: async () => {
      await bridge.stop();
      await redis.stop();
    },
  };
}

const field = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1];

/**
 * Build the app on `store` with the rules above, the dev connector and the MCP resource.
 * @example const h = await createHarness("embedded", stores.bridge, { env: { AUTHBRIDGE_DYNAMIC_REGISTRATION: "1" } });
 */
export async function createHarness(
  store: "embedded" | "upstash",
  bridge: UpstashBridge | undefined,
  opts: { env?: Record<string, string>; hooks?: RuntimeHooks } = {},
): Promise<Harness> {
  const t = await createTestApp({
    store,
    ...(bridge ? { bridge } : {}),
    env: { AUTHBRIDGE_ISSUER: ISSUER, AUTHBRIDGE_DEV_LOGIN: "1", AUTHBRIDGE_RULES: JSON.stringify(RULES), ...opts.env },
    ...(opts.hooks ? { hooks: opts.hooks } : {}),
  });
  await addResource(t.deps.db, { uri: MCP, name: "Notes MCP", scopes: MCP_SCOPES, descriptions: MCP_DESCRIPTIONS }, "test");
  const made = await createClient(t.deps.db, { name: "rs", introspectAudiences: [MCP] });
  const rs = { id: made.client.id, secret: made.secret! };
  const app = t.app;

  const h: Harness = {
    t,
    rs,
    async signIn(subject, orgs = ["acme"]) {
      const b = new FakeBrowser(app, ISSUER);
      const html = await (await b.request(`${ISSUER}/auth/dev/start?intent=login&return_to=%2Faccount`)).text();
      const state = field(html, "state");
      const form = new URLSearchParams({ state: state!, impersonate: "github", subject, username: subject, orgs: orgs.join(","), teams: "" });
      const res = await b.request(`${ISSUER}/auth/dev/callback`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER }, body: form.toString() });
      expect(res.status).toBe(302);
      return b;
    },
    async authorize(b, clientId, params = {}) {
      const { verifier, challenge } = pkce();
      const u = new URL(authorizeUrl(ISSUER, { response_type: "code", client_id: clientId, redirect_uri: CB, code_challenge: challenge, code_challenge_method: "S256", state: "st", resource: MCP, scope: MCP_SCOPES.join(" ") }));
      for (const [k, v] of Object.entries(params)) {
        u.searchParams.delete(k);
        for (const item of Array.isArray(v) ? v : [v]) if (item !== "") u.searchParams.append(k, item);
      }
      const res = await b.request(u.href);
      const location = res.headers.get("location");
      if (res.status === 302 && location) return { kind: "redirect", location: new URL(location), res, verifier };
      const html = await res.text();
      const req = field(html, "req");
      const csrf = field(html, "csrf");
      if (res.status === 200 && req && csrf) return { kind: "consent", html, req, csrf, res, verifier };
      return { kind: "page", status: res.status, html, verifier };
    },
    decide(b, consent, decision, headers = {}) {
      const body = new URLSearchParams({ req: consent.req, csrf: consent.csrf, decision });
      return b.request(`${ISSUER}/authorize/consent`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER, ...headers }, body: body.toString() });
    },
    async redeem(clientId, code, verifier, extra = {}, redirectUri = CB) {
      return postForm(app, "/token", { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: redirectUri, client_id: clientId, ...extra });
    },
    async tokensFor(b, clientId, params = {}) {
      const first = await h.authorize(b, clientId, params);
      let location: URL;
      if (first.kind === "consent") {
        const res = await h.decide(b, first, "approve");
        expect(res.status).toBe(303);
        location = new URL(res.headers.get("location")!);
      } else if (first.kind === "redirect") location = first.location;
      else throw new Error(`authorize answered ${first.status}: ${first.html.slice(0, 300)}`);
      const code = location.searchParams.get("code");
      expect(code, location.href).toBeTruthy();
      const redirectUri = typeof params.redirect_uri === "string" ? params.redirect_uri : CB;
      const res = await h.redeem(clientId, code!, first.verifier, {}, redirectUri);
      const body = (await res.json()) as Tokens;
      expect(res.status, JSON.stringify(body)).toBe(200);
      return body;
    },
    refresh: async (clientId, refreshToken, extra = {}) => postForm(app, "/token", { grant_type: "refresh_token", refresh_token: refreshToken, client_id: clientId, ...extra }),
    introspect: async (token) => (await (await postForm(app, "/introspect", { token }, rs)).json()) as { active: boolean } & Record<string, unknown>,
    async firstParty(o = {}) {
      const { client } = await createClient(t.deps.db, { name: "Operator's app", isPublic: true, redirectUris: o.redirectUris ?? [CB], audiences: o.audiences ?? [] });
      return client.id;
    },
    async developerApp(ownerAccountId = "acct_developer") {
      const { client } = await createClient(t.deps.db, { name: "Someone's app", isPublic: true, redirectUris: [CB, LOOPBACK_CB] });
      const { clients } = await import("../../../src/db/schema");
      const { eq } = await import("drizzle-orm");
      await t.deps.db.update(clients).set({ ownerAccountId }).where(eq(clients.id, client.id));
      return client.id;
    },
    close: () => t.close(),
  };
  return h;
}
