/**
 * The rules document (CONTRACT.md, "The rules document"): named roles and rules that turn provider facts
 * into scopes. Parsed once at start; every mistake is a configuration error naming its JSON path, because a
 * typo in a rule silently granting nothing (or too much) is worse than refusing to start.
 */
import { z } from "zod";
import { FACTS_PROVIDERS } from "../domain";
import { SCOPE_TOKEN } from "../lib/scope";

/** Platforms the rules can name: every namespace of facts (the provider list in src/domain). */
export const RULE_PROVIDERS = FACTS_PROVIDERS;
/** One platform the rules can name. */
export type RuleProvider = (typeof RULE_PROVIDERS)[number];

/** The `when` fields each provider understands (besides `kind` and `provider`). */
export const PROVIDER_FIELDS = {
  github: ["org", "team", "repository"],
  discord: ["guild", "role"],
  slack: ["team", "enterprise"],
  "github-actions": ["repository", "repository_owner", "ref", "workflow", "environment", "actor"],
} as const satisfies Record<RuleProvider, readonly string[]>;

const ROLE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const ROLE_PREFIX = "role:";

const OWNER_NAME = /^[^/\s]+\/[^/\s]+$/;
const nonEmpty = z.string().trim().min(1, "must not be empty");

const WhenFields = z.strictObject({
  kind: z.enum(["user", "bot"]).optional(),
  provider: z.enum(RULE_PROVIDERS).optional(),
  // github (org, team "org/slug", repository) and slack (team id)
  org: nonEmpty.optional(),
  team: nonEmpty.optional(),
  repository: nonEmpty.optional(),
  // discord: ids are snowflakes; a guild *name* here is the classic mistake this catches
  guild: z.string().regex(/^\d{1,20}$/, "must be a Discord guild id (digits)").optional(),
  role: z.string().regex(/^\d{1,20}$/, "must be a Discord role id (digits)").optional(),
  // slack
  enterprise: nonEmpty.optional(),
  // github-actions OIDC claims
  repository_owner: nonEmpty.optional(),
  ref: nonEmpty.optional(),
  workflow: nonEmpty.optional(),
  environment: nonEmpty.optional(),
  actor: nonEmpty.optional(),
});

/** Field ↔ provider consistency of one `when`; runs per rule so every rule's mistakes are reported. */
function checkWhen(when: z.infer<typeof WhenFields>, ctx: z.RefinementCtx): void {
  const fields = Object.keys(when).filter((k) => k !== "kind" && k !== "provider") as WhenField[];
  for (const field of fields) {
    if (!when.provider) {
      ctx.addIssue({ code: "custom", path: [field], message: `"${field}" needs "provider" (it means different things on different platforms)` });
    } else if (!(PROVIDER_FIELDS[when.provider] as readonly string[]).includes(field)) {
      ctx.addIssue({
        code: "custom",
        path: [field],
        message: `"${field}" does not apply to provider "${when.provider}" (allowed: ${PROVIDER_FIELDS[when.provider].join(", ")})`,
      });
    }
  }
  if (when.provider === "discord" && when.role !== undefined && when.guild === undefined)
    ctx.addIssue({ code: "custom", path: ["role"], message: `"role" needs "guild" (role ids are per guild)` });
  if (when.provider === "github" && when.team !== undefined && !OWNER_NAME.test(when.team))
    ctx.addIssue({ code: "custom", path: ["team"], message: `GitHub teams are written "org/team-slug"` });
  if ((when.provider === "github" || when.provider === "github-actions") && when.repository !== undefined && !OWNER_NAME.test(when.repository))
    ctx.addIssue({ code: "custom", path: ["repository"], message: `repositories are written "owner/name"` });
}

const WhenSchema = WhenFields.superRefine(checkWhen);

/** Conditions of one rule; every present field must match (AND), `{}` matches every identity. */
export type When = z.infer<typeof WhenSchema>;
/** A `when` field other than `kind` and `provider`. */
export type WhenField = Exclude<keyof When, "kind" | "provider">;

const RuleSchema = z.strictObject({
  when: WhenSchema,
  grant: z.array(z.string().regex(SCOPE_TOKEN, "must be a scope token or role:NAME")).min(1, "must grant something"),
});

const DocumentSchema = z.strictObject({
  roles: z
    .record(
      z.string().regex(ROLE_NAME, "role names are letters, digits, '_', '.', '-'"),
      z.array(
        z
          .string()
          .regex(SCOPE_TOKEN, "must be a scope token")
          .refine((s) => !s.startsWith(ROLE_PREFIX), "roles hold scopes, not other roles"),
      ),
    )
    .default({}),
  rules: z.array(RuleSchema),
});

/**
 * `role:NAME` grants naming no role in `roles`. Checked on the raw JSON rather than as a zod refinement,
 * because zod skips refinements once any other part is invalid and we want every problem in one report.
 */
function unknownRoles(json: unknown): { path: (string | number)[]; message: string }[] {
  if (!isObject(json) || !Array.isArray(json.rules)) return [];
  const roles = isObject(json.roles) ? json.roles : {};
  const out: { path: (string | number)[]; message: string }[] = [];
  json.rules.forEach((rule: unknown, i) => {
    if (!isObject(rule) || !Array.isArray(rule.grant)) return;
    rule.grant.forEach((g: unknown, j) => {
      if (typeof g !== "string" || !g.startsWith(ROLE_PREFIX)) return;
      const name = g.slice(ROLE_PREFIX.length);
      if (!Object.hasOwn(roles, name)) out.push({ path: ["rules", i, "grant", j], message: `unknown role "${name}" (not in "roles")` });
    });
  });
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** One rule: when the facts match, grant scopes and `role:NAME`s. */
export type Rule = z.infer<typeof RuleSchema>;

/** A parsed, validated rules document. */
export interface Rules {
  /** Role name → the scopes it carries. */
  roles: Record<string, string[]>;
  rules: Rule[];
}

/** The rules document is invalid; `problems` are human-readable lines, each starting with a JSON path. */
export class RulesError extends Error {
  override readonly name = "RulesError";
  constructor(
    readonly problems: string[],
    opts?: { cause?: unknown },
  ) {
    super(`invalid rules document: ${problems.join("; ")}`, opts);
  }
}

/** `["rules", 2, "when", "guild"]` → `$.rules[2].when.guild`. */
function jsonPath(path: readonly PropertyKey[]): string {
  let out = "$";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else if (typeof p === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(p)) out += `.${p}`;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out;
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const where = jsonPath(issue.path);
  if (issue.code === "unrecognized_keys") return issue.keys.map((k) => `${jsonPath([...issue.path, k])}: unknown field "${k}"`);
  if (issue.code === "invalid_value" && issue.path.at(-1) === "provider") {
    return [`${where}: unknown provider (expected one of ${RULE_PROVIDERS.join(", ")})`];
  }
  return [`${where}: ${issue.message}`];
}

/**
 * Parse and validate the rules document. No text (no rules configured) gives an empty document, under
 * which every account is entitled to nothing.
 * @example const rules = parseRules(config.rulesText); // throws RulesError listing every problem
 */
export function parseRules(text: string | undefined): Rules {
  if (text === undefined) return { roles: {}, rules: [] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RulesError([`$: not valid JSON (${(err as Error).message})`], { cause: err });
  }
  const parsed = DocumentSchema.safeParse(json);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.flatMap((i) => describeIssue(i))),
    ...unknownRoles(json).map((p) => `${jsonPath(p.path)}: ${p.message}`),
  ];
  if (!parsed.success || problems.length > 0) throw new RulesError(problems, parsed.success ? undefined : { cause: parsed.error });
  return parsed.data;
}

/**
 * Discord guild ids the rules mention, so the Discord provider fetches member roles only for those.
 * @example guildsMentioned(rules) // ["81384788765712384"]
 */
export function guildsMentioned(rules: Rules): string[] {
  const ids = new Set<string>();
  for (const r of rules.rules) if (r.when.provider === "discord" && r.when.guild) ids.add(r.when.guild);
  return [...ids].sort();
}
