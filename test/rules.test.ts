import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ProviderFacts } from "../src/domain";
import { effectiveScopes, entitlementsFor, matches } from "../src/rules/evaluate";
import { guildsMentioned, parseRules, RulesError, type Rules } from "../src/rules/schema";

/** The example document of CONTRACT.md, verbatim. */
const CONTRACT_EXAMPLE = `{
  "roles": { "maintainer": ["repos:read", "repos:write"], "member": ["repos:read"] },
  "rules": [
    { "when": { "provider": "github", "org": "acme" }, "grant": ["role:member"] },
    { "when": { "provider": "github", "team": "acme/platform" }, "grant": ["role:maintainer"] },
    { "when": { "provider": "discord", "guild": "81384788765712384", "role": "41771983423143937" }, "grant": ["posts:moderate"] },
    { "when": { "provider": "discord", "guild": "81384788765712384" }, "grant": ["role:member"] },
    { "when": { "provider": "slack", "team": "T0001" }, "grant": ["role:member"] },
    { "when": { "provider": "slack", "enterprise": "E0001" }, "grant": ["role:member"] },
    { "when": { "provider": "github-actions", "repository": "acme/api", "ref": "refs/heads/main" }, "grant": ["deploy"] },
    { "when": { "kind": "bot", "provider": "slack", "team": "T0001" }, "grant": ["events:write"] },
    { "when": {}, "grant": ["profile"] }
  ]
}`;

const GUILD = "81384788765712384";
const MOD_ROLE = "41771983423143937";

const github = (orgs: string[], teams: string[] = []): ProviderFacts => ({ provider: "github", orgs, teams });
const discord = (guilds: string[], roles: Record<string, string[]> = {}): ProviderFacts => ({ provider: "discord", guilds, roles });
const slack = (team: string, enterprise?: string): ProviderFacts => ({ provider: "slack", team, enterprise });
const actions = (over: Partial<Extract<ProviderFacts, { provider: "github-actions" }>> = {}): ProviderFacts => ({
  provider: "github-actions",
  repository: "acme/api",
  repository_owner: "acme",
  ref: "refs/heads/main",
  workflow: "deploy",
  actor: "octocat",
  ...over,
});

/** The problems a document is refused with. */
function problemsOf(doc: unknown): string[] {
  try {
    parseRules(typeof doc === "string" ? doc : JSON.stringify(doc));
  } catch (err) {
    expect(err).toBeInstanceOf(RulesError);
    return (err as RulesError).problems;
  }
  throw new Error("document was accepted");
}

const rule = (when: Record<string, unknown>, grant: string[] = ["x"]) => ({ roles: { member: ["a"] }, rules: [{ when, grant }] });

describe("parseRules", () => {
  it("accepts the CONTRACT example", () => {
    const rules = parseRules(CONTRACT_EXAMPLE);
    expect(rules.roles).toEqual({ maintainer: ["repos:read", "repos:write"], member: ["repos:read"] });
    expect(rules.rules).toHaveLength(9);
    expect(guildsMentioned(rules)).toEqual([GUILD]);
  });

  it("treats no document as no rules: nobody is entitled to anything", () => {
    const rules = parseRules(undefined);
    expect(rules).toEqual({ roles: {}, rules: [] });
    expect(entitlementsFor(rules, "user", [github(["acme"])])).toEqual({ scopes: [], roles: [] });
  });

  it("reports invalid JSON", () => {
    const [problem, ...rest] = problemsOf("{ roles: ");
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^\$: not valid JSON/);
    expect(problemsOf("")[0]).toMatch(/^\$: not valid JSON/);
  });

  it("reports unknown fields with their path", () => {
    expect(problemsOf(rule({ provider: "github", orgz: "acme" }))).toEqual(['$.rules[0].when.orgz: unknown field "orgz"']);
    expect(problemsOf({ rules: [], extra: 1 })).toEqual(['$.extra: unknown field "extra"']);
    expect(problemsOf({ rules: [{ when: {}, grant: ["x"], note: "hi" }] })).toEqual(['$.rules[0].note: unknown field "note"']);
  });

  it("reports unknown roles with the grant's path", () => {
    expect(problemsOf(rule({}, ["x", "role:admin"]))).toEqual(['$.rules[0].grant[1]: unknown role "admin" (not in "roles")']);
    // a role named like an Object.prototype member is still unknown
    expect(problemsOf(rule({}, ["role:constructor"]))).toEqual(['$.rules[0].grant[0]: unknown role "constructor" (not in "roles")']);
  });

  it("reports an unknown provider or kind", () => {
    expect(problemsOf(rule({ provider: "gitlab" }))).toEqual([
      "$.rules[0].when.provider: unknown provider (expected one of github, discord, slack, github-actions)",
    ]);
    expect(problemsOf(rule({ kind: "robot" }))[0]).toMatch(/^\$\.rules\[0\]\.when\.kind: /);
  });

  it("reports a field that does not apply to the rule's provider, or that has no provider", () => {
    expect(problemsOf(rule({ provider: "github", guild: GUILD }))).toEqual([
      '$.rules[0].when.guild: "guild" does not apply to provider "github" (allowed: org, team, repository)',
    ]);
    expect(problemsOf(rule({ provider: "slack", ref: "refs/heads/main" }))[0]).toMatch(/^\$\.rules\[0\]\.when\.ref: "ref" does not apply to provider "slack"/);
    expect(problemsOf(rule({ org: "acme" }))).toEqual(['$.rules[0].when.org: "org" needs "provider" (it means different things on different platforms)']);
    expect(problemsOf(rule({ provider: "discord", role: MOD_ROLE }))).toEqual(['$.rules[0].when.role: "role" needs "guild" (role ids are per guild)']);
  });

  it("reports malformed values", () => {
    expect(problemsOf(rule({ provider: "github", team: "platform" }))).toEqual(['$.rules[0].when.team: GitHub teams are written "org/team-slug"']);
    expect(problemsOf(rule({ provider: "discord", guild: "My Server" }))).toEqual(["$.rules[0].when.guild: must be a Discord guild id (digits)"]);
    expect(problemsOf(rule({ provider: "github-actions", repository: "api" }))).toEqual(['$.rules[0].when.repository: repositories are written "owner/name"']);
    expect(problemsOf(rule({}, []))).toEqual(["$.rules[0].grant: must grant something"]);
    expect(problemsOf(rule({}, ["two words"]))).toEqual(["$.rules[0].grant[0]: must be a scope token or role:NAME"]);
    expect(problemsOf({ roles: { admin: ["role:member"] }, rules: [] })).toEqual(["$.roles.admin[0]: roles hold scopes, not other roles"]);
    expect(problemsOf({ roles: { "bad name": ["a"] }, rules: [] })[0]).toMatch(/^\$\.roles/);
    expect(problemsOf({ roles: {} })).toEqual(["$.rules: Invalid input: expected array, received undefined"]);
  });

  it("reports every problem at once", () => {
    const problems = problemsOf({
      rules: [
        { when: { provider: "github", guild: GUILD }, grant: ["role:nope"] },
        { when: { provider: "gitlab" }, grant: ["x"] },
      ],
    });
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toContain("$.rules[0].when.guild");
    expect(problems.join("\n")).toContain("$.rules[0].grant[0]");
    expect(problems.join("\n")).toContain("$.rules[1].when.provider");
  });

  it("lists each mentioned Discord guild once", () => {
    const rules = parseRules(
      JSON.stringify({
        rules: [
          { when: { provider: "discord", guild: "2" }, grant: ["a"] },
          { when: { provider: "discord", guild: "1", role: "9" }, grant: ["b"] },
          { when: { provider: "discord", guild: "2", role: "8" }, grant: ["c"] },
        ],
      }),
    );
    expect(guildsMentioned(rules)).toEqual(["1", "2"]);
  });
});

describe("rule evaluation", () => {
  const rules = parseRules(CONTRACT_EXAMPLE);

  it("gives a GitHub user in acme and acme/platform both roles and their scopes", () => {
    expect(entitlementsFor(rules, "user", [github(["acme"], ["acme/platform"])])).toEqual({
      roles: ["maintainer", "member"],
      scopes: ["profile", "repos:read", "repos:write"],
    });
    expect(entitlementsFor(rules, "user", [github(["other"])])).toEqual({ roles: [], scopes: ["profile"] });
  });

  it("matches GitHub names case-insensitively, as GitHub does", () => {
    expect(entitlementsFor(rules, "user", [github(["Acme"], ["ACME/Platform"])]).roles).toEqual(["maintainer", "member"]);
  });

  it("grants posts:moderate for the guild role, and only inside that guild", () => {
    const withRole = discord([GUILD], { [GUILD]: [MOD_ROLE] });
    expect(entitlementsFor(rules, "user", [withRole])).toEqual({ roles: ["member"], scopes: ["posts:moderate", "profile", "repos:read"] });
    const memberOnly = discord([GUILD], { [GUILD]: ["1"] });
    expect(entitlementsFor(rules, "user", [memberOnly]).scopes).not.toContain("posts:moderate");
    // the same role id in another guild is a different role
    const elsewhere = discord([GUILD, "1"], { "1": [MOD_ROLE] });
    expect(entitlementsFor(rules, "user", [elsewhere]).scopes).not.toContain("posts:moderate");
  });

  it("takes the union over all identities", () => {
    const both = entitlementsFor(rules, "user", [github(["acme"], ["acme/platform"]), discord([GUILD], { [GUILD]: [MOD_ROLE] })]);
    expect(both).toEqual({ roles: ["maintainer", "member"], scopes: ["posts:moderate", "profile", "repos:read", "repos:write"] });
    expect(entitlementsFor(rules, "user", [])).toEqual({ roles: [], scopes: [] });
  });

  it("matches Slack team and enterprise", () => {
    expect(entitlementsFor(rules, "user", [slack("T0001")]).roles).toEqual(["member"]);
    expect(entitlementsFor(rules, "user", [slack("T9999", "E0001")]).roles).toEqual(["member"]);
    expect(entitlementsFor(rules, "user", [slack("T9999", "E9999")]).roles).toEqual([]);
  });

  it("matches GitHub Actions claims exactly where GitHub is exact", () => {
    expect(entitlementsFor(rules, "bot", [actions()]).scopes).toEqual(["deploy", "profile"]);
    expect(entitlementsFor(rules, "bot", [actions({ ref: "refs/heads/feature" })]).scopes).toEqual(["profile"]);
    expect(entitlementsFor(rules, "bot", [actions({ ref: "refs/heads/Main" })]).scopes).toEqual(["profile"]);
    expect(entitlementsFor(rules, "bot", [actions({ repository: "acme/web" })]).scopes).toEqual(["profile"]);
  });

  it("keeps kind: bot rules from users and kind: user rules from bots", () => {
    expect(entitlementsFor(rules, "bot", [slack("T0001")]).scopes).toContain("events:write");
    expect(entitlementsFor(rules, "user", [slack("T0001")]).scopes).not.toContain("events:write");
    const userOnly = parseRules(JSON.stringify({ rules: [{ when: { kind: "user", provider: "github", org: "acme" }, grant: ["admin"] }] }));
    expect(entitlementsFor(userOnly, "user", [github(["acme"])]).scopes).toEqual(["admin"]);
    expect(entitlementsFor(userOnly, "bot", [github(["acme"])]).scopes).toEqual([]);
  });

  it("fails closed on hand-built rules the parser would refuse", () => {
    const facts: ProviderFacts = github(["acme"]);
    expect(matches({}, { kind: "user", facts })).toBe(true);
    expect(matches({ org: "acme" }, { kind: "user", facts })).toBe(false);
    expect(matches({ provider: "github", guild: GUILD }, { kind: "user", facts })).toBe(false);
    expect(matches({ provider: "discord", guild: GUILD }, { kind: "user", facts })).toBe(false);
    expect(entitlementsFor({ roles: {}, rules: [{ when: {}, grant: ["role:ghost"] }] }, "user", [facts])).toEqual({ scopes: [], roles: [] });
  });
});

describe("effectiveScopes", () => {
  it("is requested ∩ entitled ∩ client-allowed", () => {
    expect(effectiveScopes(["a", "b", "c"], ["a", "b", "d"], ["b", "c", "d"])).toEqual(["b"]);
    expect(effectiveScopes(["b", "a", "a"], ["a", "b"], null)).toEqual(["a", "b"]);
    expect(effectiveScopes(["x"], ["a"], null)).toEqual([]);
    expect(effectiveScopes(["a"], ["a"], [])).toEqual([]);
  });

  it("uses entitled ∩ client-allowed when nothing is requested", () => {
    expect(effectiveScopes([], ["a", "b"], ["b", "c"])).toEqual(["b"]);
    expect(effectiveScopes([], ["b", "a"], null)).toEqual(["a", "b"]);
  });
});

describe("properties", () => {
  const rulesArb: fc.Arbitrary<Rules> = fc.constant(parseRules(CONTRACT_EXAMPLE));
  const pick = <T>(xs: T[]) => fc.constantFrom(...xs);
  const factsArb: fc.Arbitrary<ProviderFacts> = fc.oneof(
    fc.record({
      provider: fc.constant("github" as const),
      orgs: fc.subarray(["acme", "other", "ACME"]),
      teams: fc.subarray(["acme/platform", "acme/web", "other/platform"]),
    }),
    fc.record({
      provider: fc.constant("discord" as const),
      guilds: fc.subarray([GUILD, "1"]),
      roles: fc.dictionary(pick([GUILD, "1"]), fc.subarray([MOD_ROLE, "2"])),
    }),
    fc.record({ provider: fc.constant("slack" as const), team: pick(["T0001", "T2"]), enterprise: fc.option(pick(["E0001", "E2"]), { nil: undefined }) }),
    fc.record({
      provider: fc.constant("github-actions" as const),
      repository: pick(["acme/api", "acme/web"]),
      repository_owner: fc.constant("acme"),
      ref: pick(["refs/heads/main", "refs/heads/dev"]),
      workflow: fc.constant("ci"),
      actor: fc.constant("octocat"),
    }),
  );

  it("adding an identity never removes a scope or a role", () => {
    fc.assert(
      fc.property(rulesArb, pick(["user", "bot"] as const), fc.array(factsArb, { maxLength: 4 }), factsArb, (rules, kind, list, extra) => {
        const before = entitlementsFor(rules, kind, list);
        const after = entitlementsFor(rules, kind, [...list, extra]);
        expect(after.scopes).toEqual(expect.arrayContaining(before.scopes));
        expect(after.roles).toEqual(expect.arrayContaining(before.roles));
      }),
      { numRuns: 500 },
    );
  });

  it("effective scopes never exceed what is entitled or client-allowed", () => {
    const scope = pick(["a", "b", "c", "d"]);
    fc.assert(
      fc.property(fc.array(scope), fc.array(scope), fc.option(fc.array(scope), { nil: null }), (req, ent, allowed) => {
        const out = effectiveScopes(req, ent, allowed);
        for (const s of out) {
          expect(ent).toContain(s);
          if (allowed) expect(allowed).toContain(s);
          if (req.length > 0) expect(req).toContain(s);
        }
      }),
    );
  });
});
