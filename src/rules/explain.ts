/**
 * Why an account has each scope and role: for every entitlement, the rules of the document that granted
 * it and the identity whose facts they matched. The same matching as {@link entitlementsFor} (it is built
 * on the same `matches`), so what it explains is exactly what evaluation grants — "why does this person
 * have `repos:write`?" answered with `$.rules[1]` and the GitHub identity in team `acme/platform`.
 */
import type { ProviderFacts } from "../domain";
import { matches } from "./evaluate";
import type { Rules, When } from "./schema";

const ROLE_PREFIX = "role:";

/** One identity's facts, named so that an explanation can point at it. */
export interface FactsOf {
  /** The identity's id. */
  identity: string;
  facts: ProviderFacts;
}

/** One reason for an entitlement: a rule, the grant entry that gave it, and the identity that matched. */
export interface Reason {
  /** Index of the rule in the document (`$.rules[rule]`). */
  rule: number;
  /** The rule's conditions, as written. */
  when: When;
  /** The grant entry: the scope itself, or `role:NAME` when the scope came with a role. */
  grant: string;
  /** The identity whose facts matched. */
  identity: string;
}

/** Every entitlement with its reasons, sorted by name; the names equal {@link entitlementsFor}'s. */
export interface Explanation {
  scopes: { scope: string; reasons: Reason[] }[];
  roles: { role: string; reasons: Reason[] }[];
}

function add(map: Map<string, Reason[]>, key: string, reason: Reason): void {
  const list = map.get(key);
  if (list) list.push(reason);
  else map.set(key, [reason]);
}

function sorted<K extends string>(map: Map<string, Reason[]>, key: K): ({ [P in K]: string } & { reasons: Reason[] })[] {
  return [...map.keys()].sort().map((name) => ({ [key]: name, reasons: map.get(name) ?? [] }) as { [P in K]: string } & { reasons: Reason[] });
}

/**
 * Explain an account's entitlements from its identities' facts (pass the identities evaluation counts:
 * stale ones and ones without facts grant nothing).
 * @example explainEntitlements(rules, "user", [{ identity: "idn_1", facts: githubFacts }]).scopes
 * // [{ scope: "repos:read", reasons: [{ rule: 0, when: { provider: "github", org: "acme" }, grant: "role:member", identity: "idn_1" }] }]
 */
export function explainEntitlements(rules: Rules, kind: "user" | "bot", identities: readonly FactsOf[]): Explanation {
  const scopes = new Map<string, Reason[]>();
  const roles = new Map<string, Reason[]>();
  for (const { identity, facts } of identities) {
    rules.rules.forEach((rule, index) => {
      if (!matches(rule.when, { kind, facts })) return;
      for (const grant of rule.grant) {
        const reason: Reason = { rule: index, when: rule.when, grant, identity };
        if (!grant.startsWith(ROLE_PREFIX)) {
          add(scopes, grant, reason);
          continue;
        }
        const name = grant.slice(ROLE_PREFIX.length);
        // As in evaluation: an unknown role (only possible in hand-built rules) grants nothing.
        if (!Object.hasOwn(rules.roles, name)) continue;
        add(roles, name, reason);
        for (const scope of rules.roles[name] ?? []) add(scopes, scope, reason);
      }
    });
  }
  return { scopes: sorted(scopes, "scope"), roles: sorted(roles, "role") };
}
