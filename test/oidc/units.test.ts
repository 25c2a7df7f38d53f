/**
 * The pure parts of OpenID Connect: reading the authorization parameters, whether a session may answer,
 * platform memberships as group names (malformed stored facts included), and `at_hash`.
 */
import { describe, expect, it } from "vitest";
import { readOidcRequest, sessionSatisfies } from "../../src/oidc/authorize-params";
import { groupsOf, platformGroups } from "../../src/oidc/claims";
import { atHash } from "../../src/oidc/id-token";
import { isSignInOnly } from "../../src/oidc/sign-in-target";
import { withAskedIdentityScopes } from "../../src/oidc/scopes";
import type { ProviderFacts } from "../../src/domain";

const read = (q: Record<string, string>) => readOidcRequest((k) => q[k], new Set(["github", "discord", "dev"]));

describe("authorization parameters", () => {
  it("reads prompt, max_age, nonce and login_hint", () => {
    expect(read({ prompt: "login consent", max_age: "300", nonce: "n", login_hint: " GitHub " })).toEqual({ none: false, login: true, consent: true, maxAge: 300, nonce: "n", loginHintPlatform: "github" });
    expect(read({ prompt: "select_account" })).toMatchObject({ login: true });
    expect(read({ login_hint: "slack" })).toMatchObject({ loginHintPlatform: undefined }); // not offered here
    expect(read({ login_hint: "ada@example.com" })).toMatchObject({ loginHintPlatform: undefined });
  });

  it("refuses what cannot be honoured, with the specification's error codes", () => {
    expect(read({ prompt: "none consent" })).toMatchObject({ error: "invalid_request" });
    expect(read({ prompt: "sideways" })).toMatchObject({ error: "invalid_request" });
    for (const max of ["-1", "1.5", "abc", "99999999999"]) expect(read({ max_age: max })).toMatchObject({ error: "invalid_request" });
    expect(read({ nonce: "x".repeat(513) })).toMatchObject({ error: "invalid_request" });
    expect(read({ request: "e30" })).toMatchObject({ error: "request_not_supported" });
    expect(read({ request_uri: "urn:x" })).toMatchObject({ error: "request_uri_not_supported" });
    expect(read({ registration: "{}" })).toMatchObject({ error: "registration_not_supported" });
  });

  it("lets a session answer unless a fresh sign-in was asked or it is older than max_age (0: always older)", () => {
    const now = 1_000_000;
    expect(sessionSatisfies({ login: false, maxAge: undefined }, now - 86_400_000, now)).toBe(true);
    expect(sessionSatisfies({ login: true, maxAge: undefined }, now, now)).toBe(false);
    expect(sessionSatisfies({ login: false, maxAge: 60 }, now - 60_000, now)).toBe(true);
    expect(sessionSatisfies({ login: false, maxAge: 60 }, now - 60_001, now)).toBe(false);
    expect(sessionSatisfies({ login: false, maxAge: 0 }, now, now)).toBe(false);
  });
});

describe("groups", () => {
  it("names platform memberships by platform, and ignores malformed stored facts", () => {
    expect(platformGroups({ provider: "github", orgs: ["acme"], teams: ["acme/platform"] })).toEqual(["github:acme", "github:acme/platform"]);
    expect(platformGroups({ provider: "slack", team: "T0001", enterprise: "E0001" })).toEqual(["slack:T0001", "slack:E0001"]);
    expect(platformGroups({ provider: "discord", guilds: ["1", "2"], roles: { "1": ["9"], "3": ["8"] } })).toEqual(["discord:1", "discord:1:9", "discord:2"]);
    expect(platformGroups({ provider: "discord", guilds: "1", roles: null } as unknown as ProviderFacts)).toEqual([]);
    expect(platformGroups({ provider: "github-actions", repository: "a/b", repository_owner: "a", ref: "r", workflow: "w", actor: "x" })).toEqual([]);
  });

  it("lists roles alone by default; platform groups only from identities the platform still vouches for", () => {
    const identities = [
      { facts: { provider: "github", orgs: ["acme"], teams: [] } as ProviderFacts, staleAt: null },
      { facts: { provider: "slack", team: "T1" } as ProviderFacts, staleAt: 1 },
    ];
    expect(groupsOf(["ops"], identities, "roles")).toEqual(["ops"]);
    expect(groupsOf(["ops"], identities, "roles+platform")).toEqual(["github:acme", "ops"]);
  });
});

describe("scopes", () => {
  it("counts asked identity scopes as entitled, never unasked ones; a sign-in asks identity scopes only", () => {
    expect(withAskedIdentityScopes(["repos:read"], ["openid", "email", "repos:read", "x"])).toEqual(["repos:read", "openid", "email"]);
    expect(withAskedIdentityScopes(["repos:read"], [])).toEqual(["repos:read"]);
    expect(isSignInOnly(["openid", "profile"])).toBe(true);
    expect(isSignInOnly(["profile"])).toBe(false);
    expect(isSignInOnly(["openid", "repos:read"])).toBe(false);
  });
});

describe("at_hash", () => {
  it("matches OpenID Connect Core's example (RS256) and hashes EdDSA with SHA-512", async () => {
    expect(await atHash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "RS256")).toBe("77QmUPtjPfzWtF2AnpK9RQ");
    expect(await atHash("x", "EdDSA")).toHaveLength(43); // half of 64 bytes, base64url
    expect(await atHash("x", "ES256")).toHaveLength(22);
  });
});
