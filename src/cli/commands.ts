/**
 * The admin CLI's commands: each takes its checked arguments and what it opened, and returns a JSON-able
 * result. Input is validated here BEFORE anything is written, and problems are named by flag.
 */
import type { z } from "zod";
import { actorOf, CLI_CALLER } from "../admin/caller";
import { resetClientSecret } from "../admin/clients-state";
import { createManagedClient, type NewClient } from "../admin/clients-write";
import { rotateSigningKey } from "../admin/signing-keys";
import { CreateClientInput, describeClient, listClients } from "../clients/registry";
import type { Database } from "../db/client";
import type { AppDeps } from "../deps";
import { oidcSettingsOf } from "../oidc/client-settings";
import { accountChecks, accountRuns } from "./account-commands";
import { apiKeyChecks, apiKeyRuns } from "./api-key-commands";
import { UsageError, type ParsedArgs } from "./args";
import { auditChecks, auditRuns } from "./audit-commands";
import { clientChecks, clientRuns } from "./client-commands";
import { resourceChecks, resourceRuns } from "./resource-commands";
import { checkOidcFlags, oidcCreateFlags } from "./oidc-options";
import { presentClient, presentOidcSettings } from "../admin/present";
import { asCli, CLIENT_FLAGS, flagLine, serviceDeps } from "./services";

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

/** Problems of a zod error, one per issue, each naming the flag (and the offending value of a repeatable one). */
function flagProblems(error: z.ZodError, input: Record<string, unknown>): string[] {
  return error.issues.map((issue) => {
    const message = issue.code === "invalid_value" && issue.path[0] === "grants" ? `unknown grant type` : issue.message;
    return flagLine(CLIENT_FLAGS, issue.path, message, input);
  });
}

function deps(ctx: CliContext): AppDeps {
  if (!ctx.deps) throw new Error("internal: this command needs the server's dependencies");
  return ctx.deps;
}

/** Checked input of `clients create` (its OpenID Connect options included), or a UsageError naming every bad flag. */
export function createClientInput(values: ParsedArgs["values"]): NewClient {
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
  const oidc = checkOidcFlags(oidcCreateFlags(values));
  const problems = [...(checked.success ? [] : flagProblems(checked.error, input)), ...oidc.problems];
  if (problems.length > 0 || oidc.patch === undefined) throw new UsageError(problems.join("\n"));
  return { ...(input as z.input<typeof CreateClientInput>), ...oidc.patch };
}

/** Checks of a command's values that need more than the spec (run before anything is opened). */
export const checks: Record<string, (args: ParsedArgs) => void> = {
  "clients create": ({ values }) => void createClientInput(values),
  ...clientChecks,
  ...accountChecks,
  ...auditChecks,
  ...apiKeyChecks,
  ...resourceChecks,
};

/** Runs by command name (`"keys rotate"`). */
export const runs: Record<string, CommandRun> = {
  // Migrations already ran while the CLI opened the database.
  migrate: async () => ({ migrated: true }),
  "keys rotate": async (_args, ctx) => {
    const d = deps(ctx);
    // Creates the first key, or proves AUTHBRIDGE_SECRET opens the stored ones before adding one sealed under it.
    await d.keys.current().catch((e: Error) => Promise.reject(new Error(`cannot open the current signing key (${e.message}): is AUTHBRIDGE_SECRET the server's?`)));
    const { current } = await rotateSigningKey(d, actorOf(CLI_CALLER));
    const published = (await d.keys.publicKeys()).map((k) => k.kid);
    return { current, published };
  },
  // Creating and resetting go through the management services too, so their audit rows carry the actor
  // `cli`, and the client and its OpenID Connect settings are written in one transaction.
  "clients create": async ({ values }, ctx) => {
    const input = createClientInput(values);
    const { client, secret } = await asCli(CLIENT_FLAGS, input, () => createManagedClient(serviceDeps(ctx), CLI_CALLER, input));
    return { ...presentClient(client), ...(secret ? { client_secret: secret } : {}) };
  },
  // The whole registry in one array, oldest first, as before pages existed (`clients show` reads one).
  "clients list": async (_args, { db }) => {
    const all = await listClients(db);
    const oidc = await oidcSettingsOf(db, all.map((c) => c.id));
    return all.map((c) => ({ ...describeClient(c), ...presentOidcSettings(oidc.get(c.id)!) }));
  },
  "clients rotate-secret": async ({ positionals }, ctx) => {
    const { client, secret } = await resetClientSecret(serviceDeps(ctx), CLI_CALLER, positionals.CLIENT_ID!);
    return { client_id: client.id, client_secret: secret };
  },
  ...clientRuns,
  ...accountRuns,
  ...auditRuns,
  ...apiKeyRuns,
  ...resourceRuns,
};
