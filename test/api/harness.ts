/**
 * The management API under test, the real way: the real app on a temp database and a real state store,
 * an operator's confidential client whose allowed scopes include `authbridge:admin` (client_credentials),
 * and people who sign in through the dev connector and are entitled by the rules document below.
 */
import { expect } from "vitest";
import { managementAudience } from "../../src/admin/access";
import { createClient } from "../../src/clients/registry";
import { createTestApp, type TestApp } from "../support/app";
import { FakeBrowser } from "../support/fakes";
import { authorizeUrl, pkce } from "../support/login";
import { postForm } from "../support/oauth";
import { startRedis, type TestRedis } from "../support/redis-server";
import { startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge";

export const ISSUER = "http://localhost:8787";
export const AUD = managementAudience(ISSUER);
const CB = "https://cli.example.com/cb";

/** The rules: org `devs` makes developers, org `ops` operators (through a role), everyone gets `profile`. */
export const RULES = {
  roles: { operator: ["authbridge:admin"] },
  rules: [
    { when: { provider: "github", org: "devs" }, grant: ["authbridge:clients", "repos:read"] },
    { when: { provider: "github", org: "ops" }, grant: ["role:operator"] },
    { when: {}, grant: ["profile"] },
  ],
};

/** A confidential client's credentials. */
export interface Creds {
  id: string;
  secret: string;
}

/** Tokens from /token. */
export interface Tokens {
  access_token: string;
  refresh_token?: string;
}

/** One app under test and the ways to call it. */
export interface Harness {
  t: TestApp;
  /** The operator's client_credentials client (allowed `authbridge:admin`, audience {@link AUD}). */
  operator: Creds;
  /** A resource server allowed to introspect management tokens. */
  rs: Creds;
  /** A client_credentials token of the operator's client. */
  operatorToken(extra?: Record<string, string>): Promise<string>;
  /** Sign a person in through the dev connector (GitHub facts: `orgs`). */
  signIn(subject: string, orgs: string[]): Promise<FakeBrowser>;
  /** An access token for the signed-in person, for the management API unless `resource` says otherwise. */
  personToken(b: FakeBrowser, opts?: { scope?: string; resource?: string }): Promise<Tokens>;
  /** Any request to the app. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** A request to the management API (JSON body when given). */
  call(token: string | undefined, method: string, path: string, body?: unknown): Promise<Response>;
  /** `/introspect` as the resource server. */
  introspect(token: string): Promise<{ active: boolean } & Record<string, unknown>>;
  close(): void;
}

/** Redis and the Upstash bridge for a test file (both stores are exercised). */
export interface Stores {
  bridge: UpstashBridge;
  stop(): Promise<void>;
}

/** Start redis-server and the Upstash bridge. */
export async function startStores(): Promise<Stores> {
  const redis: TestRedis = await startRedis();
  const bridge = await startUpstashBridge({ redisPort: redis.port, token: "management-api" });
  return {
    bridge,
    stop: async () => {
      await bridge.stop();
      await redis.stop();
    },
  };
}

async function tokens(res: Response | Promise<Response>): Promise<Tokens> {
  const r = await res;
  const body = (await r.json()) as Tokens;
  expect(r.status, JSON.stringify(body)).toBe(200);
  return body;
}

/**
 * Build the app on `store` with the rules above and the dev connector.
 * @example const h = await createHarness("embedded", stores.bridge);
 */
export async function createHarness(store: "embedded" | "upstash", bridge: UpstashBridge, env: Record<string, string> = {}): Promise<Harness> {
  const t = await createTestApp({
    store,
    bridge,
    env: { AUTHBRIDGE_ISSUER: ISSUER, AUTHBRIDGE_DEV_LOGIN: "1", AUTHBRIDGE_RULES: JSON.stringify(RULES), ...env },
  });
  const app = t.app;
  const made = await createClient(t.deps.db, { name: "ci-admin", scopes: ["authbridge:admin"], audiences: [AUD], grants: ["client_credentials"] });
  const operator = { id: made.client.id, secret: made.secret! };
  const resource = await createClient(t.deps.db, { name: "rs", introspectAudiences: [AUD] });
  const rs = { id: resource.client.id, secret: resource.secret! };
  const cli = await createClient(t.deps.db, {
    name: "console-cli",
    isPublic: true,
    redirectUris: [CB],
    scopes: ["authbridge:clients", "authbridge:admin", "profile"],
    audiences: [AUD],
  });

  const signIn = async (subject: string, orgs: string[]) => {
    const b = new FakeBrowser(app, ISSUER);
    const html = await (await b.request(`${ISSUER}/auth/dev/start?intent=login&return_to=%2Faccount`)).text();
    const state = /name="state" value="([^"]+)"/.exec(html)?.[1];
    const form = new URLSearchParams({ state: state!, impersonate: "github", subject, username: subject, orgs: orgs.join(","), teams: "" });
    const res = await b.request(`${ISSUER}/auth/dev/callback`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER },
      body: form.toString(),
    });
    expect(res.status).toBe(302);
    return b;
  };

  const personToken = async (b: FakeBrowser, opts: { scope?: string; resource?: string } = {}) => {
    const { verifier, challenge } = pkce();
    const params = {
      response_type: "code",
      client_id: cli.client.id,
      redirect_uri: CB,
      code_challenge: challenge,
      code_challenge_method: "S256",
      state: "s",
      scope: opts.scope ?? "authbridge:clients authbridge:admin",
      resource: opts.resource ?? AUD,
    };
    const res = await b.request(authorizeUrl(ISSUER, params));
    expect(res.status).toBe(302);
    const code = new URL(res.headers.get("location")!).searchParams.get("code");
    expect(code, res.headers.get("location") ?? "").toBeTruthy();
    return tokens(postForm(app, "/token", { grant_type: "authorization_code", code: code!, redirect_uri: CB, code_verifier: verifier, client_id: cli.client.id }));
  };

  return {
    t,
    operator,
    rs,
    operatorToken: async (extra = {}) => (await tokens(postForm(app, "/token", { grant_type: "client_credentials", resource: AUD, ...extra }, operator))).access_token,
    signIn,
    personToken,
    request: (path, init) => Promise.resolve(app.request(path, init)),
    call: (token, method, path, body) => {
      const headers: Record<string, string> = {};
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers["content-type"] = "application/json";
      return Promise.resolve(app.request(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }));
    },
    introspect: async (token) => (await (await postForm(app, "/introspect", { token }, rs)).json()) as { active: boolean } & Record<string, unknown>,
    close: () => t.close(),
  };
}
