/**
 * `api-keys create | list | revoke`. Input is checked from the arguments alone (before anything opens) and
 * every problem names the flag it came from; the registry then does the writing and the auditing, with
 * "cli" as the actor. The key itself appears only in the answer of `create`.
 */
import type { z } from "zod";
import { ApiKeyError, CreateApiKeyInput, createApiKey, describeApiKey, getApiKey, listApiKeys, type ApiKeyOwner } from "../apikeys/registry";
import { revokeApiKeyEverywhere } from "../apikeys/revoke";
import type { AppDeps } from "../deps";
import { UsageError, type ParsedArgs } from "./args";
import type { CliContext } from "./commands";

/** The actor recorded in audit events for what the CLI does. */
const ACTOR = "cli";

const UNIT_SECONDS: Record<string, number> = { m: 60, h: 3600, d: 86_400, w: 7 * 86_400, y: 365 * 86_400 };

/**
 * A lifetime as typed after `--expires-in` (`90m`, `12h`, `30d`, `2w`, `1y`; a year is 365 days), in
 * seconds, or a UsageError naming the flag.
 * @example parseExpiresIn("30d") // 2592000
 */
export function parseExpiresIn(text: string): number {
  const m = /^(\d{1,6})([mhdwy])$/.exec(text.trim());
  if (!m) throw new UsageError(`--expires-in ${JSON.stringify(text)}: expected a number and a unit (m, h, d, w or y), e.g. 90m, 12h, 30d, 1y`);
  return Number(m[1]) * UNIT_SECONDS[m[2]!]!;
}

/** The owner named by `--account` or `--client`: exactly one when `required`, at most one otherwise. */
function ownerFrom(values: ParsedArgs["values"], required: boolean): ApiKeyOwner | undefined {
  const account = values.account as string | undefined;
  const client = values.client as string | undefined;
  if (account !== undefined && client !== undefined) throw new UsageError("--account and --client: give one owner, not both");
  if (account !== undefined) return { kind: "account", accountId: account };
  if (client !== undefined) return { kind: "client", clientId: client };
  if (required) throw new UsageError("--account or --client is required: the account or the client that owns the key");
  return undefined;
}

// Field of the validated input → the flag it came from.
const FLAGS: Record<string, string> = { name: "--name", scopes: "--scopes", expiresInSeconds: "--expires-in" };

/** Checked input of `api-keys create`, or a UsageError naming every bad flag. */
export function createApiKeyInput(values: ParsedArgs["values"]): z.input<typeof CreateApiKeyInput> {
  const owner = ownerFrom(values, true)!;
  const scopesText = values.scopes as string | undefined;
  const scopes = scopesText === undefined ? null : scopesText.split(/\s+/).filter(Boolean);
  // An empty list would make a key that carries nothing; leaving the flag out is how to ask for everything.
  if (scopes !== null && scopes.length === 0) throw new UsageError("--scopes: give at least one scope, or leave --scopes out for whatever the owner has");
  const expiresIn = values["expires-in"] as string | undefined;
  const input = {
    owner,
    name: values.name as string,
    scopes,
    ...(expiresIn !== undefined ? { expiresInSeconds: parseExpiresIn(expiresIn) } : {}),
    createdBy: ACTOR,
  };
  const checked = CreateApiKeyInput.safeParse(input);
  if (!checked.success) {
    throw new UsageError(
      checked.error.issues
        .map((issue) => {
          const [field, index] = issue.path;
          const flag = FLAGS[String(field)] ?? `--${String(field)}`;
          const value =
            typeof index === "number" && scopes ? ` ${JSON.stringify(scopes[index])}` : field === "expiresInSeconds" ? ` ${JSON.stringify(expiresIn)}` : "";
          // Bounds are in seconds inside; the operator typed a duration.
          const message =
            field === "expiresInSeconds" ? (issue.code === "too_small" ? "at least 1 minute" : issue.code === "too_big" ? "at most 10 years" : issue.message) : issue.message;
          return `${flag}${value}: ${message}`;
        })
        .join("\n"),
    );
  }
  return input;
}

/** Checks of the arguments, run before anything is opened. */
export const apiKeyChecks: Record<string, (args: ParsedArgs) => void> = {
  "api-keys create": ({ values }) => void createApiKeyInput(values),
  "api-keys list": ({ values }) => void ownerFrom(values, false),
};

function withDeps(ctx: CliContext): AppDeps {
  if (!ctx.deps) throw new Error("internal: this command needs the server's dependencies");
  return ctx.deps;
}

/** Runs of the `api-keys` commands. */
export const apiKeyRuns: Record<string, (args: ParsedArgs, ctx: CliContext) => Promise<unknown>> = {
  "api-keys create": async ({ values }, { db, secret }) => {
    if (!secret) throw new Error("internal: api-keys create needs AUTHBRIDGE_SECRET");
    const input = createApiKeyInput(values);
    try {
      const { key, apiKey } = await createApiKey(db, secret, input);
      const { id, ...described } = describeApiKey(apiKey);
      // The id first and the key right after it: the one field to copy, printed this once.
      return { id, key, ...described };
    } catch (e) {
      if (e instanceof ApiKeyError && e.code === "not_found") {
        const flag = input.owner.kind === "account" ? `--account ${input.owner.accountId}` : `--client ${input.owner.clientId}`;
        throw new Error(`${flag}: no such ${input.owner.kind}`);
      }
      throw e;
    }
  },
  "api-keys list": async ({ values }, { db }) => (await listApiKeys(db, ownerFrom(values, false))).map(describeApiKey),
  "api-keys revoke": async ({ positionals }, ctx) => {
    const d = withDeps(ctx);
    const id = positionals.KEY_ID!;
    const key = await getApiKey(d.db, id);
    if (!key) throw new Error(`no API key ${id}`);
    return describeApiKey(await revokeApiKeyEverywhere(d, key, ACTOR));
  },
};
