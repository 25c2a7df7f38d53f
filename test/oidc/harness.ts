/**
 * In-process OpenID Connect tests: the real app on a temp database with the dev login, a rules document
 * that gives Discord role members a role, and helpers that sign a person in (the dev picker posts a
 * made-up identity), run `/authorize` and redeem the code.
 */
import { createLocalJWKSet, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from "jose";
import { expect } from "vitest";
import { createClient } from "../../src/clients/registry";
import { setOidcSettings } from "../../src/oidc/client-settings";
import { createTestApp, type TestApp } from "../support/app";
import { FakeBrowser } from "../support/fakes";
import { authorizeUrl, pkce } from "../support/login";
import { postForm } from "../support/oauth";

export const ISSUER = "http://localhost:8787";
export const CB = "https://rp.example.com/cb";
export const BYE = "https://rp.example.com/signed-out";
export const GUILD = "81384788765712384";
export const ROLE = "41771983423143937";

/** Rules: members of one Discord role are `ops`; everyone gets `profile`. */
export const RULES = {
  roles: { ops: ["dash:edit"] },
  rules: [
    { when: { provider: "discord", guild: GUILD, role: ROLE }, grant: ["role:ops"] },
    { when: {}, grant: ["profile"] },
  ],
};

/** The app and one confidential client that registered a post-logout redirect URI. */
export interface Harness {
  t: TestApp;
  client: { id: string; secret: string };
}

/** Build the app (extra env merged in) and a confidential RP client. */
export async function harness(env: Record<string, string> = {}): Promise<Harness> {
  const t = await createTestApp({ env: { AUTHBRIDGE_ISSUER: ISSUER, AUTHBRIDGE_DEV_LOGIN: "1", AUTHBRIDGE_RULES: JSON.stringify(RULES), ...env } });
  const c = await createClient(t.deps.db, { name: "Dashboards", redirectUris: [CB], grants: ["authorization_code", "refresh_token"] });
  await setOidcSettings(t.deps.db, c.client.id, { postLogoutRedirectUris: [BYE] }, Date.now());
  return { t, client: { id: c.client.id, secret: c.secret! } };
}

/** What the dev picker posts (a Discord identity in the role by default). */
export interface DevPerson {
  subject?: string;
  username?: string;
  email?: string;
  impersonate?: "github" | "discord" | "slack";
  guilds?: string;
  roles?: string;
  orgs?: string;
  teams?: string;
}

/** Sign in with the dev picker; the browser then holds the bridge session. */
export async function signIn(t: TestApp, person: DevPerson = {}, browser = new FakeBrowser(t.app, ISSUER)): Promise<FakeBrowser> {
  const start = await browser.request(`${ISSUER}/auth/dev/start?intent=login&return_to=%2Faccount`);
  const state = /name="state" value="([^"]+)"/.exec(await start.text())?.[1];
  expect(state).toBeTruthy();
  const form = new URLSearchParams({
    state: state!,
    impersonate: person.impersonate ?? "discord",
    subject: person.subject ?? "42",
    username: person.username ?? "ada",
    email: person.email ?? "",
    guilds: person.guilds ?? GUILD,
    roles: person.roles ?? `${GUILD}:${ROLE}`,
    orgs: person.orgs ?? "",
    teams: person.teams ?? "",
  });
  const cb = await browser.request(`${ISSUER}/auth/dev/callback`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER }, body: form.toString() });
  expect(cb.status).toBe(302);
  return browser;
}

/** `/authorize` for the harness's client; the browser's answer (a redirect to the client, or a page). */
export async function authorize(h: Harness, b: FakeBrowser, over: Record<string, string> = {}) {
  const { verifier, challenge } = pkce();
  const params = { response_type: "code", client_id: h.client.id, redirect_uri: CB, code_challenge: challenge, code_challenge_method: "S256", state: "st", scope: "openid profile email groups", nonce: "n-0S6_WzA2Mj", ...over };
  const res = await b.request(authorizeUrl(ISSUER, params));
  const location = res.headers.get("location");
  const landed = location && location.startsWith(CB) ? new URL(location) : undefined;
  return { res, verifier, landed, code: landed?.searchParams.get("code") ?? undefined };
}

/** The token response of a code (status and body). */
export async function redeem(h: Harness, code: string, verifier: string) {
  const res = await postForm(h.t.app, "/token", { grant_type: "authorization_code", code, redirect_uri: CB, code_verifier: verifier }, h.client);
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

/** Sign in and get tokens for `over` in one go. */
export async function tokensFor(h: Harness, person: DevPerson = {}, over: Record<string, string> = {}) {
  const b = await signIn(h.t, person);
  const { code, verifier } = await authorize(h, b, over);
  expect(code).toMatch(/^ac_/);
  const { status, body } = await redeem(h, code!, verifier);
  expect(status).toBe(200);
  return { b, body };
}

/** Verify an ID token against the served JWKS, as a relying party would. */
export async function verifyIdToken(h: Harness, idToken: string, algorithms = ["RS256"]): Promise<{ payload: JWTPayload & Record<string, unknown>; protectedHeader: ProtectedHeaderParameters }> {
  const jwks = (await (await h.t.app.request("/.well-known/jwks.json")).json()) as { keys: [] };
  return jwtVerify(idToken, createLocalJWKSet(jwks), { issuer: ISSUER, audience: h.client.id, algorithms, typ: "JWT" }) as never;
}
