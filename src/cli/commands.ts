/**
 * The admin CLI's commands: each takes its checked arguments and what it opened, and returns a JSON-able
 * result. Input is validated here BEFORE anything is written, and problems are named by flag.
 */
import type { z } from "zod";
import { CreateClientInput, createClient, describeClient, listClients, rotateClientSecret } from "../clients/registry";
import type { Database } from "../db/client";
import type { AppDeps } from "../deps";
import { blockAccountEverywhere, unblockAccountEverywhere } from "./account-commands";
import { apiKeyChecks, apiKeyRuns } from "./api-key-commands";
import { UsageError, type ParsedArgs } from "./args";
import { disableClientEverywhere } from "./client-commands";

/**
 * What a command gets: the database always, AUTHBRIDGE_SECRET when its spec needs `secret` (or
 * everything), the server's whole dependencies when it needs everything.
 */
export interface CliContext {
  db: Database;
  deps: AppDeps | undefined;
  secret: Uint8Array | undefined;
}

/** One command's run. */
export type CommandRun = (args: ParsedArgs, ctx: CliContext) => Promise<unknown>;

// Field of the validated input → the flag it came from, so errors speak the operator's language.
const CREATE_FLAGS: Record<string, string> = {
  name: "--name",
  isPublic: "--public",
  grants: "--grant",
  scopes: "--scopes",
  redirectUris: "--redirect-uri",
  audiences: "--audience",
  introspectAudiences: "--introspect",
};

/** Problems of a zod error, one per issue, each naming the flag (and the offending value of a repeatable one). */
function flagProblems(error: z.ZodError, input: Record<string, unknown>): string[] {
  return error.issues.map((issue) => {
    const [field, index] = issue.path;
    const flag = CREATE_FLAGS[String(field)] ?? `--${String(field)}`;
    const list = input[String(field)];
    const value = typeof index === "number" && Array.isArray(list) ? ` ${JSON.stringify(list[index])}` : "";
    const message = issue.code === "invalid_value" && field === "grants" ? `unknown grant type` : issue.message;
    return `${flag}${value}: ${message}`;
  });
}

function deps(ctx: CliContext): AppDeps {
  if (!ctx.deps) throw new Error("internal: this command needs the server's dependencies");
  return ctx.deps;
}

/** Checked input of `clients create`, or a UsageError naming every bad flag. */
export function createClientInput(values: ParsedArgs["values"]) {
  const input = {
    name: values.name as string,
    isPublic: (values.public as boolean | undefined) ?? false,
    grants: values.grant as string[] | undefined,
    scopes: typeof values.scopes === "string" ? values.scopes.split(/\s+/).filter(Boolean) : [],
    redirectUris: (values["redirect-uri"] as string[] | undefined) ?? [],
    audiences: (values.audience as string[] | undefined) ?? [],
    introspectAudiences: (values.introspect as string[] | undefined) ?? [],
  };
  const checked = CreateClientInput.safeParse(input);
  if (!checked.success) throw new UsageError(flagProblems(checked.error, input).join("\n"));
  return input as z.input<typeof CreateClientInput>;
}

/** Checks of a command's values that need more than the spec (run before anything is opened). */
export const checks: Record<string, (args: ParsedArgs) => void> = {
  "clients create": ({ values }) => void createClientInput(values),
  ...apiKeyChecks,
};

/** Runs by command name (`"keys rotate"`). */
export const runs: Record<string, CommandRun> = {
  // Migrations already ran while the CLI opened the database.
  migrate: async () => ({ migrated: true }),
  "keys rotate": async (_args, ctx) => {
    const d = deps(ctx);
    // Creates the first key, or proves AUTHBRIDGE_SECRET opens the stored ones before adding one sealed under it.
    await d.keys.current().catch((e: Error) => Promise.reject(new Error(`cannot open the current signing key (${e.message}): is AUTHBRIDGE_SECRET the server's?`)));
    const kid = await d.keys.rotate();
    const published = (await d.keys.publicKeys()).map((k) => k.kid);
    return { current: kid, published };
  },
  "clients create": async ({ values }, { db }) => {
    const { client, secret } = await createClient(db, createClientInput(values));
    return { ...describeClient(client), ...(secret ? { client_secret: secret } : {}) };
  },
  "clients list": async (_args, { db }) => (await listClients(db)).map(describeClient),
  "clients disable": async ({ positionals }, ctx) => describeClient(await disableClientEverywhere(deps(ctx), positionals.CLIENT_ID!)),
  "clients rotate-secret": async ({ positionals }, { db }) => {
    const { client, secret } = await rotateClientSecret(db, positionals.CLIENT_ID!);
    return { client_id: client.id, client_secret: secret };
  },
  "accounts block": async ({ positionals }, ctx) => blockAccountEverywhere(deps(ctx), positionals.ACCOUNT_ID!),
  "accounts unblock": async ({ positionals }, ctx) => unblockAccountEverywhere(deps(ctx), positionals.ACCOUNT_ID!),
  ...apiKeyRuns,
};
