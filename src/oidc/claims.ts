/**
 * The claims about a person that the identity scopes unlock, read from the account and its linked
 * identities — for ID tokens and UserInfo alike, so both always say the same:
 * - `profile`: `name` (the account's display name, else its first identity's username),
 *   `preferred_username` (the first identity's username) and `picture` (the first avatar);
 * - `email`: a verified email only (never an unverified one), with `email_verified: true`;
 * - `groups`: the account's roles from the rules, and with AUTHBRIDGE_OIDC_GROUPS=roles+platform also its
 *   platform memberships (`github:acme`, `github:acme/platform`, `discord:GUILD`, `discord:GUILD:ROLE`,
 *   `slack:TEAM`), from identities the platform still vouches for.
 * "First" is the oldest linked identity: linking another one later never changes what a client sees.
 */
import { getAccount } from "../accounts/accounts";
import { listIdentities, type Identity } from "../accounts/identities";
import type { Database } from "../db/client";
import type { ProviderFacts } from "../domain";

/** What `groups` lists: the roles alone, or the roles and the platform memberships. */
export type GroupsMode = "roles" | "roles+platform";

/** The person-describing claims (each present only when its scope was granted and the value is known). */
export interface PersonClaims {
  name?: string;
  preferred_username?: string;
  picture?: string;
  email?: string;
  email_verified?: true;
  groups?: string[];
}

/** The claims each identity scope unlocks, for discovery's `claims_supported`. */
export const PERSON_CLAIMS: readonly (keyof PersonClaims)[] = ["name", "preferred_username", "picture", "email", "email_verified", "groups"];

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/**
 * Platform memberships as group names, namespaced by platform so that no two platforms' names collide.
 * @example platformGroups({ provider: "discord", guilds: ["81"], roles: { "81": ["41"] } }) // ["discord:81", "discord:81:41"]
 */
export function platformGroups(facts: ProviderFacts): string[] {
  switch (facts.provider) {
    case "github":
      return [...strings(facts.orgs).map((o) => `github:${o}`), ...strings(facts.teams).map((t) => `github:${t}`)];
    case "discord": {
      const roles = facts.roles && typeof facts.roles === "object" ? facts.roles : {};
      return strings(facts.guilds).flatMap((g) => [`discord:${g}`, ...strings(Object.hasOwn(roles, g) ? roles[g] : []).map((r) => `discord:${g}:${r}`)]);
    }
    case "slack":
      return [facts.team, facts.enterprise].filter((v): v is string => typeof v === "string" && v !== "").map((t) => `slack:${t}`);
    default:
      return []; // workloads (GitHub Actions) are not people and belong to no group
  }
}

/** Options of {@link personClaims}. */
export interface PersonClaimsOptions {
  /** The account's current roles (from the entitlements the token was issued with). */
  roles: readonly string[];
  groups: GroupsMode;
}

/** The groups of an account: its roles, then its platform memberships when asked for; sorted, unique. */
export function groupsOf(roles: readonly string[], identities: readonly Pick<Identity, "facts" | "staleAt">[], mode: GroupsMode): string[] {
  const out = new Set(roles);
  if (mode === "roles+platform")
    for (const i of identities) if (i.facts && i.staleAt === null) for (const g of platformGroups(i.facts)) out.add(g);
  return [...out].sort();
}

/**
 * The claims `scopes` unlock for `accountId`.
 * @example const claims = await personClaims(db, "acct_…", ["openid", "email"], { roles: [], groups: "roles" });
 */
export async function personClaims(db: Database, accountId: string, scopes: readonly string[], opts: PersonClaimsOptions): Promise<PersonClaims> {
  const profile = scopes.includes("profile");
  const email = scopes.includes("email");
  const groups = scopes.includes("groups");
  if (!profile && !email && !groups) return {};
  const [account, identities] = await Promise.all([profile ? getAccount(db, accountId) : null, listIdentities(db, accountId)]);
  const out: PersonClaims = {};
  if (profile) {
    const username = identities.find((i) => i.username)?.username ?? undefined;
    const name = account?.displayName ?? username;
    const picture = identities.find((i) => i.avatar)?.avatar ?? undefined;
    if (name) out.name = name;
    if (username) out.preferred_username = username;
    if (picture) out.picture = picture;
  }
  if (email) {
    const verified = identities.find((i) => i.emailVerified && i.email);
    if (verified?.email) {
      out.email = verified.email;
      out.email_verified = true;
    }
  }
  if (groups) out.groups = groupsOf(opts.roles, identities, opts.groups);
  return out;
}
