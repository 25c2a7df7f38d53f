/**
 * Evaluation of the rules document: pure functions from provider facts to scopes and roles, and the
 * intersection that decides a token's `scope`.
 */
import type { ProviderFacts } from "../domain";
import type { Rules, When, WhenField } from "./schema";

/** What a rule is matched against: the account's kind and one identity's facts. */
export interface RuleSubject {
  kind: "user" | "bot";
  facts: ProviderFacts;
}

/** Scopes and roles an account is entitled to, sorted and without duplicates. */
export interface Entitlements {
  scopes: string[];
  roles: string[];
}

const ROLE_PREFIX = "role:";

// GitHub treats logins, org, team and repository names case-insensitively (and OIDC claims carry the
// canonical case), so "Acme" in the rules must match the "acme" the API returns. Refs and workflow names
// are case-sensitive on GitHub and compared exactly.
const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const hasName = (list: readonly string[] | undefined, v: string) => (list ?? []).some((x) => sameName(x, v));

type Check<F> = (facts: F, value: string, when: When) => boolean;
type FactsOf<P extends ProviderFacts["provider"]> = Extract<ProviderFacts, { provider: P }>;

/** How each field is checked, per provider. A field missing here for the facts' provider never matches. */
const CHECKS: { [P in ProviderFacts["provider"]]: Partial<Record<WhenField, Check<FactsOf<P>>>> } = {
  github: {
    org: (f, v) => hasName(f.orgs, v),
    team: (f, v) => hasName(f.teams, v),
    repository: (f, v) => hasName(f.repositories, v),
  },
  discord: {
    guild: (f, v) => f.guilds.includes(v),
    // role ids are only meaningful inside their guild: require the role in *that* guild's list
    role: (f, v, when) => {
      const guild = when.guild;
      if (guild === undefined || !f.guilds.includes(guild) || !Object.hasOwn(f.roles, guild)) return false;
      return (f.roles[guild] ?? []).includes(v);
    },
  },
  slack: {
    team: (f, v) => f.team === v,
    enterprise: (f, v) => f.enterprise === v,
  },
  "github-actions": {
    repository: (f, v) => sameName(f.repository, v),
    repository_owner: (f, v) => sameName(f.repository_owner, v),
    actor: (f, v) => sameName(f.actor, v),
    environment: (f, v) => f.environment !== undefined && sameName(f.environment, v),
    ref: (f, v) => f.ref === v,
    workflow: (f, v) => f.workflow === v,
  },
};

/**
 * Whether one rule's `when` holds for a subject: every present field must match; `{}` matches everything.
 * A rule with `kind: "user"` never matches a bot (and the reverse); a rule without `kind` matches both.
 * @example matches({ provider: "github", org: "acme" }, { kind: "user", facts: githubFacts }) // true
 */
export function matches(when: When, subject: RuleSubject): boolean {
  const { facts } = subject;
  if (when.kind !== undefined && when.kind !== subject.kind) return false;
  if (when.provider !== undefined && when.provider !== facts.provider) return false;
  const checks = CHECKS[facts.provider] as Partial<Record<WhenField, Check<ProviderFacts>>>;
  for (const [field, value] of Object.entries(when)) {
    if (field === "kind" || field === "provider" || value === undefined) continue;
    // Fail closed: a field without a provider, or one this provider does not know, never matches
    // (parseRules refuses such documents; this guards hand-built rules).
    if (when.provider === undefined) return false;
    const check = checks[field as WhenField];
    if (!check || !check(facts, value, when)) return false;
  }
  return true;
}

/**
 * The entitlements of an account: the union, over all its identities' facts, of the grants of every
 * matching rule. `role:NAME` adds NAME to `roles` and the role's scopes to `scopes`.
 * @example entitlementsFor(rules, "user", [githubFacts, discordFacts]) // { scopes: [...], roles: [...] }
 */
export function entitlementsFor(rules: Rules, kind: "user" | "bot", factsList: readonly ProviderFacts[]): Entitlements {
  const scopes = new Set<string>();
  const roles = new Set<string>();
  for (const facts of factsList) {
    for (const rule of rules.rules) {
      if (!matches(rule.when, { kind, facts })) continue;
      for (const g of rule.grant) {
        if (!g.startsWith(ROLE_PREFIX)) {
          scopes.add(g);
          continue;
        }
        const name = g.slice(ROLE_PREFIX.length);
        // parseRules guarantees the role exists; an unknown one in hand-built rules grants nothing
        if (!Object.hasOwn(rules.roles, name)) continue;
        roles.add(name);
        for (const s of rules.roles[name] ?? []) scopes.add(s);
      }
    }
  }
  return { scopes: [...scopes].sort(), roles: [...roles].sort() };
}

/**
 * A token's scopes: requested ∩ entitled ∩ what the client may get (`null` = no client restriction).
 * Nothing requested means "everything I may have": entitled ∩ client-allowed. Unentitled requests are
 * dropped, not errors (CONTRACT.md).
 * @example effectiveScopes(["a", "b"], ["a", "c"], null) // ["a"]
 */
export function effectiveScopes(requested: readonly string[], entitled: readonly string[], clientAllowed: readonly string[] | null): string[] {
  const ent = new Set(entitled);
  const allowed = clientAllowed === null ? null : new Set(clientAllowed);
  const base = requested.length > 0 ? requested : entitled;
  const out = new Set<string>();
  for (const s of base) if (ent.has(s) && (allowed === null || allowed.has(s))) out.add(s);
  return [...out].sort();
}
