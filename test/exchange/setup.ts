/**
 * Shared pieces of the token-exchange tests: the rules document (CONTRACT.md style, plus `kind: "user"`
 * rules whose scopes must never reach a bot), a client allowed the grant, the exchange request, a
 * per-host count of platform calls (msw lifecycle events), and an Actions ID-token signer that can forge
 * every claim the fake's own signer fixes.
 */
import { createLocalJWKSet, jwtVerify, SignJWT, type CryptoKey, type JWTPayload } from "jose";
import type { SetupServer } from "msw/node";
import { accounts } from "../../src/db/schema";
import { createClient, type GrantType } from "../../src/clients/registry";
import { SUBJECT_TOKEN_TYPES, type CredentialType } from "../../src/domain";
import type { TestApp } from "../support/app";
import { fakeProviderEnv, type World } from "../support/fakes";
import { postForm } from "../support/oauth";

export const ISSUER = "http://localhost:8787";
export const GUILD = "81384788765712384";
export const ROLE = "41771983423143937";
export const TOKEN_EXCHANGE: GrantType = "urn:ietf:params:oauth:grant-type:token-exchange";
export const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

export const RULES = {
  roles: { member: ["repos:read"] },
  rules: [
    { when: { provider: "github", org: "acme" }, grant: ["role:member"] },
    { when: { kind: "user", provider: "github", org: "acme" }, grant: ["admin"] },
    { when: { kind: "bot", provider: "github", repository: "acme/api" }, grant: ["ci:status"] },
    { when: { provider: "github-actions", repository: "acme/api", ref: "refs/heads/main" }, grant: ["deploy"] },
    { when: { kind: "user", provider: "github-actions", repository: "acme/api" }, grant: ["admin"] },
    { when: { kind: "bot", provider: "slack", team: "T0001" }, grant: ["events:write"] },
    { when: { kind: "user", provider: "slack", team: "T0001" }, grant: ["chat:admin"] },
    { when: { kind: "bot", provider: "discord", guild: GUILD }, grant: ["posts:write"] },
    { when: { kind: "bot", provider: "discord", guild: GUILD, role: ROLE }, grant: ["posts:moderate"] },
    { when: { kind: "user", provider: "discord", guild: GUILD }, grant: ["admin"] },
    { when: {}, grant: ["profile"] },
  ],
};

/** Env for createTestApp: the rules and the fake connectors. */
export function exchangeEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { AUTHBRIDGE_RULES: JSON.stringify(RULES), ...fakeProviderEnv(), ...extra };
}

/** A confidential client allowed token exchange (no scope restriction unless given). */
export async function botClient(t: TestApp, opts: { scopes?: string[]; grants?: GrantType[]; audiences?: string[] } = {}) {
  const { client, secret } = await createClient(t.deps.db, { name: "bot-gateway", grants: opts.grants ?? [TOKEN_EXCHANGE], scopes: opts.scopes ?? [], audiences: opts.audiences ?? [] });
  return { id: client.id, secret: secret! };
}

/** POST one token exchange. */
export function exchange(t: TestApp, client: { id: string; secret: string }, type: CredentialType, token: string, extra: Record<string, string> = {}) {
  return postForm(t.app, "/token", { grant_type: TOKEN_EXCHANGE, subject_token: token, subject_token_type: SUBJECT_TOKEN_TYPES[type], ...extra }, client);
}

/** The JSON body of a response. */
export async function body(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

/** Verify an issued access token against the app's published JWKS (RFC 9068 `typ`). */
export async function verifyAccessToken(t: TestApp, token: string, audience = ISSUER) {
  const res = await t.app.request("/.well-known/jwks.json");
  const jwks = createLocalJWKSet((await res.json()) as { keys: [] });
  return jwtVerify(token, jwks, { issuer: ISSUER, audience, typ: "at+jwt" });
}

/** How many accounts exist (an outage or a refusal must create none). */
export async function accountCount(t: TestApp): Promise<number> {
  return (await t.deps.db.select({ id: accounts.id }).from(accounts)).length;
}

/** Requests msw saw, by host; `reset()` between phases. */
export function countCalls(server: SetupServer) {
  const byHost = new Map<string, number>();
  server.events.on("request:start", ({ request }) => {
    const host = new URL(request.url).host;
    byHost.set(host, (byHost.get(host) ?? 0) + 1);
  });
  return {
    of: (host: string) => byHost.get(host) ?? 0,
    reset: () => byHost.clear(),
  };
}

/** Default claims of an Actions run on acme/api main. */
export function actionsClaims(over: JWTPayload = {}): JWTPayload {
  return {
    sub: "repo:acme/api:ref:refs/heads/main",
    repository: "acme/api",
    repository_id: "123456",
    repository_owner: "acme",
    repository_owner_id: "7890",
    ref: "refs/heads/main",
    workflow: "deploy",
    actor: "octocat",
    event_name: "push",
    ...over,
  };
}

/** Sign an Actions-like ID token; every part can be forged. `exp`/`iat` are epoch seconds. */
export async function signActions(
  world: World,
  claims: JWTPayload,
  opts: { aud?: string | string[]; iss?: string; iat?: number; exp?: number; key?: CryptoKey | Uint8Array; kid?: string; alg?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: opts.alg ?? "RS256", kid: opts.kid ?? world.github.actions.kid, typ: "JWT" })
    .setIssuer(opts.iss ?? world.github.actions.issuer)
    .setAudience(opts.aud ?? ISSUER)
    .setIssuedAt(opts.iat ?? now)
    .setExpirationTime(opts.exp ?? now + 300)
    .sign(opts.key ?? world.github.actions.privateKey);
}
