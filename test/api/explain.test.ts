/**
 * `explainEntitlements`: every scope and role with the rules that granted it and the identity that matched,
 * naming exactly what `entitlementsFor` grants (checked on the contract's rules document over generated facts).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ProviderFacts } from "../../src/domain";
import { entitlementsFor } from "../../src/rules/evaluate";
import { explainEntitlements } from "../../src/rules/explain";
import { parseRules } from "../../src/rules/schema";

const GUILD = "81384788765712384";
const ROLE = "41771983423143937";
const RULES = parseRules(
  JSON.stringify({
    roles: { maintainer: ["repos:read", "repos:write"], member: ["repos:read"] },
    rules: [
      { when: { provider: "github", org: "acme" }, grant: ["role:member"] },
      { when: { provider: "github", team: "acme/platform" }, grant: ["role:maintainer"] },
      { when: { provider: "discord", guild: GUILD, role: ROLE }, grant: ["posts:moderate"] },
      { when: { provider: "discord", guild: GUILD }, grant: ["role:member"] },
      { when: { provider: "slack", team: "T0001" }, grant: ["role:member"] },
      { when: { kind: "bot", provider: "slack", team: "T0001" }, grant: ["events:write"] },
      { when: {}, grant: ["profile"] },
    ],
  }),
);

const github = (orgs: string[], teams: string[]): ProviderFacts => ({ provider: "github", orgs, teams });
const discord = (guilds: string[], roles: Record<string, string[]>): ProviderFacts => ({ provider: "discord", guilds, roles });

describe("explainEntitlements", () => {
  it("why does this person have repos:write? the team rule, through the maintainer role, on their GitHub identity", () => {
    const e = explainEntitlements(RULES, "user", [
      { identity: "idn_gh", facts: github(["Acme"], ["acme/platform"]) },
      { identity: "idn_dc", facts: discord([GUILD], { [GUILD]: [ROLE] }) },
    ]);
    expect(e.scopes.find((s) => s.scope === "repos:write")?.reasons).toEqual([
      { rule: 1, when: { provider: "github", team: "acme/platform" }, grant: "role:maintainer", identity: "idn_gh" },
    ]);
    // Several rules and identities may grant the same scope: every one is named.
    expect(e.scopes.find((s) => s.scope === "repos:read")?.reasons.map((r) => [r.rule, r.identity])).toEqual([
      [0, "idn_gh"],
      [1, "idn_gh"],
      [3, "idn_dc"],
    ]);
    expect(e.scopes.find((s) => s.scope === "posts:moderate")?.reasons.map((r) => r.rule)).toEqual([2]);
    expect(e.roles.map((r) => r.role)).toEqual(["maintainer", "member"]);
    expect(e.scopes.find((s) => s.scope === "profile")?.reasons.map((r) => r.identity)).toEqual(["idn_gh", "idn_dc"]);
  });

  it("a kind-bound rule explains nothing for the other kind; no identities, nothing", () => {
    const slack: ProviderFacts = { provider: "slack", team: "T0001" };
    expect(explainEntitlements(RULES, "user", [{ identity: "i", facts: slack }]).scopes.map((s) => s.scope)).toEqual(["profile", "repos:read"]);
    expect(explainEntitlements(RULES, "bot", [{ identity: "i", facts: slack }]).scopes.map((s) => s.scope)).toEqual(["events:write", "profile", "repos:read"]);
    expect(explainEntitlements(RULES, "user", [])).toEqual({ scopes: [], roles: [] });
  });

  it("names exactly what evaluation grants, for any facts", () => {
    const name = fc.constantFrom("acme", "Acme", "other", "acme/platform", "acme/other");
    const facts: fc.Arbitrary<ProviderFacts> = fc.oneof(
      fc.record({ provider: fc.constant("github" as const), orgs: fc.array(name, { maxLength: 3 }), teams: fc.array(name, { maxLength: 3 }) }),
      fc.record({
        provider: fc.constant("discord" as const),
        guilds: fc.array(fc.constantFrom(GUILD, "1"), { maxLength: 2 }),
        roles: fc.dictionary(fc.constantFrom(GUILD, "1"), fc.array(fc.constantFrom(ROLE, "2"), { maxLength: 2 })),
      }),
      fc.record({ provider: fc.constant("slack" as const), team: fc.constantFrom("T0001", "T0002") }),
    );
    fc.assert(
      fc.property(fc.constantFrom("user" as const, "bot" as const), fc.array(facts, { maxLength: 3 }), (kind, list) => {
        const e = explainEntitlements(RULES, kind, list.map((f, i) => ({ identity: `idn_${i}`, facts: f })));
        const granted = entitlementsFor(RULES, kind, list);
        expect(e.scopes.map((s) => s.scope)).toEqual(granted.scopes);
        expect(e.roles.map((r) => r.role)).toEqual(granted.roles);
        for (const s of [...e.scopes, ...e.roles]) expect(s.reasons.length).toBeGreaterThan(0);
      }),
    );
  });
});
