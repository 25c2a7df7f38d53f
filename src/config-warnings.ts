/**
 * Likely configuration mistakes that do not stop the server: a misspelt variable (silently ignored, so
 * the setting the operator meant never applies), a server nobody can sign in to, and rules that name a
 * platform nobody can sign in with (the dev login counts as every login platform). Each is one line naming the variable; values are never echoed.
 */
import { PLATFORMS, type PlatformId } from "./domain/platforms";
import type { Rules } from "./rules/schema";

/** Prefixes whose unknown variables are reported (ours, and the platforms' we read). */
const WATCHED_PREFIXES = ["AUTHBRIDGE_", "GITHUB_", "DISCORD_", "SLACK_"];

// GitHub Actions and Codespaces set these themselves: a server started in CI must not warn about them.
const GITHUB_ENVIRONMENT = new Set(
  (
    "ACTION ACTION_PATH ACTION_REF ACTION_REPOSITORY ACTIONS ACTOR ACTOR_ID API_URL BASE_REF ENV EVENT_NAME EVENT_PATH " +
    "GRAPHQL_URL HEAD_REF JOB OUTPUT PATH REF REF_NAME REF_PROTECTED REF_TYPE REPOSITORY REPOSITORY_ID REPOSITORY_OWNER " +
    "REPOSITORY_OWNER_ID RETENTION_DAYS RUN_ATTEMPT RUN_ID RUN_NUMBER SERVER_URL SHA STATE STEP_SUMMARY TRIGGERING_ACTOR " +
    "WORKFLOW WORKFLOW_REF WORKFLOW_SHA WORKSPACE TOKEN USER CODESPACE_TOKEN CODESPACES_PORT_FORWARDING_DOMAIN"
  )
    .split(" ")
    .map((n) => `GITHUB_${n}`),
);

/** Platforms that sign people in, with the variable prefix that enables each (from the provider list). */
const LOGIN_PLATFORMS = PLATFORMS.map((id) => ({ id, prefix: id.toUpperCase() }));

/** What the warnings look at besides the raw environment. */
export interface WarningInputs {
  /** Each platform's client, undefined when its pair is unset. */
  clients: Readonly<Record<PlatformId, unknown>>;
  devLogin: boolean;
  rules: Rules;
}

/** Levenshtein distance, small strings only (variable names). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

function unknownVariable(name: string, known: readonly string[]): string {
  const prefix = WATCHED_PREFIXES.find((p) => name.startsWith(p))!;
  const closest = [...known].sort((a, b) => distance(name, a) - distance(name, b))[0]!;
  const sameFamily = known.filter((k) => k.startsWith(prefix));
  const hint = distance(name, closest) <= 3 ? `did you mean ${closest}? ` : "";
  return `${name}: not a variable authbridge reads, ignored; ${hint}known ${prefix}* variables: ${sameFamily.join(", ")}`;
}

/**
 * Warnings for `env`, given the variables authbridge knows and the validated parts they depend on.
 * @example configWarnings(process.env, KNOWN_VARIABLES, { clients, devLogin, rules })
 */
export function configWarnings(env: Record<string, string | undefined>, known: readonly string[], inputs: WarningInputs): string[] {
  const warnings: string[] = [];
  const knownSet = new Set(known);
  for (const name of Object.keys(env).sort()) {
    if (knownSet.has(name) || GITHUB_ENVIRONMENT.has(name)) continue;
    if (WATCHED_PREFIXES.some((p) => name.startsWith(p))) warnings.push(unknownVariable(name, known));
  }
  const enabled = new Set<string>(LOGIN_PLATFORMS.filter((p) => inputs.clients[p.id] !== undefined).map((p) => p.id));
  if (enabled.size === 0 && !inputs.devLogin)
    warnings.push(
      "no way to sign in: set a platform's pair (GITHUB_CLIENT_ID/GITHUB_CLIENT_SECRET, DISCORD_…, SLACK_…) or AUTHBRIDGE_DEV_LOGIN=1 on a localhost issuer; until then only client_credentials and token exchange work",
    );
  // The dev login signs people in as any of the login platforms (with the facts typed into its picker).
  const signInWith = inputs.devLogin ? new Set<string>(LOGIN_PLATFORMS.map((p) => p.id)) : enabled;
  const named = new Map<string, number[]>();
  inputs.rules.rules.forEach((r, i) => {
    const p = r.when.provider;
    // Bot rules are met through token exchange, which needs no sign-in configuration; GitHub Actions never has any.
    if (p === undefined || p === "github-actions" || r.when.kind === "bot") return;
    if (!signInWith.has(p)) named.set(p, [...(named.get(p) ?? []), i]);
  });
  for (const [id, indexes] of named) {
    const prefix = LOGIN_PLATFORMS.find((p) => p.id === id)?.prefix ?? id.toUpperCase();
    warnings.push(
      `AUTHBRIDGE_RULES: ${indexes.map((i) => `$.rules[${i}]`).join(", ")} name ${id}, which is not configured (${prefix}_CLIENT_ID and ${prefix}_CLIENT_SECRET unset): nobody can sign in with it, only token exchange can match`,
    );
  }
  return warnings;
}
