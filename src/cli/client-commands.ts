/**
 * `clients show | update | enable | disable | delete`, through the management services (src/admin/) as
 * the operator `cli`: the same rules, the same revocations and the same audit rows as the management API
 * and the console. Disabling writes ONE revocation mark in the state store covering every access token
 * issued to the client before now (and revokes its API keys); deleting does that too and removes its API
 * keys with it. Showing, editing and enabling need only the database.
 */
import type { ManagedClient } from "../admin/client-view";
import { getManagedClient } from "../admin/client-view";
import { listAuditEvents } from "../admin/audit-log";
import { CLI_CALLER } from "../admin/caller";
import { deleteManagedClient, setClientDisabled } from "../admin/clients-state";
import { updateManagedClient, type ClientChanges } from "../admin/clients-write";
import { CreateClientInput, GRANT_TYPES, type GrantType } from "../clients/registry";
import type { AppDeps } from "../deps";
import { UsageError, type ParsedArgs } from "./args";
import type { CliContext } from "./commands";
import { presentClient } from "../admin/present";
import { asCli, CLIENT_FLAGS, flagLine, listOption, serviceDeps, stringOption } from "./services";

/**
 * Disable `clientId` and revoke its live access tokens and its API keys (idempotent: a disabled client
 * keeps its original time), audited with the actor `cli`.
 * @example await disableClientEverywhere(deps, "client_…");
 */
export async function disableClientEverywhere(deps: AppDeps, clientId: string): Promise<ManagedClient> {
  return setClientDisabled(deps, CLI_CALLER, clientId, true);
}

/** The flags of `clients update` that replace a list, and the field each replaces. */
const LIST_FLAGS = { "redirect-uri": "redirectUris", audience: "audiences", grant: "grants", introspect: "introspectAudiences" } as const;

/**
 * A repeatable option's new list: its values, or the empty list when it is given once with an empty value
 * (`--audience ""`). An empty value among others is a mistake, not a way to clear.
 */
function replacement(values: ParsedArgs["values"], flag: keyof typeof LIST_FLAGS): string[] | undefined {
  const given = listOption(values, flag);
  if (given === undefined) return undefined;
  if (given.length === 1 && given[0] === "") return [];
  if (given.includes("")) throw new UsageError(`--${flag} "": an empty value empties the list; give it alone`);
  return given;
}

const isGrant = (g: string): g is GrantType => (GRANT_TYPES as readonly string[]).includes(g);

/**
 * Checked changes of `clients update`, or a UsageError naming every bad flag. Each given field is checked
 * against the registry's rule for that field; rules between fields (authorization_code needs a redirect
 * URI, a public client has no client_credentials) depend on what the client already has, so the service
 * checks those, on the whole result.
 * @example updateChanges({ name: "billing", grant: ["client_credentials"] }) // { name: "billing", grants: ["client_credentials"] }
 */
export function updateChanges(values: ParsedArgs["values"]): ClientChanges {
  const scopesText = stringOption(values, "scopes");
  const input = {
    name: stringOption(values, "name"),
    scopes: scopesText === undefined ? undefined : scopesText.split(/\s+/).filter(Boolean),
    redirectUris: replacement(values, "redirect-uri"),
    audiences: replacement(values, "audience"),
    grants: replacement(values, "grant"),
    introspectAudiences: replacement(values, "introspect"),
  };
  const given = Object.entries(input).filter(([, v]) => v !== undefined);
  if (given.length === 0) throw new UsageError("nothing to change: give at least one of --name, --scopes, --redirect-uri, --audience, --grant, --introspect");
  const shape = CreateClientInput.in.shape;
  const problems = given.flatMap(([field, value]) => {
    const checked = shape[field as keyof typeof shape].safeParse(value);
    if (checked.success) return [];
    return checked.error.issues.map((issue) => {
      const message = issue.code === "invalid_value" && field === "grants" ? "unknown grant type" : issue.message;
      return flagLine(CLIENT_FLAGS, [field, ...issue.path], message, input);
    });
  });
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  const { grants, ...rest } = input;
  return { ...rest, grants: grants?.filter(isGrant) };
}

/**
 * What the CLI can say of a deleted client's API keys: the ids the service recorded in the `client.deleted`
 * audit row it wrote, in the same transaction as the deletion (so exactly the keys that went).
 */
async function deletedKeys(deps: AppDeps, clientId: string): Promise<string[]> {
  const { items } = await listAuditEvents(deps, { type: "client.deleted", client: clientId, limit: 1 });
  const keys = items[0]?.detail.api_keys;
  return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === "string") : [];
}

/** Checks of the arguments, run before anything is opened. */
export const clientChecks: Record<string, (args: ParsedArgs) => void> = {
  "clients update": ({ values }) => void updateChanges(values),
};

/** Runs of the `clients` commands that go through the management services. */
export const clientRuns: Record<string, (args: ParsedArgs, ctx: CliContext) => Promise<unknown>> = {
  "clients show": async ({ positionals }, ctx) => presentClient(await getManagedClient(serviceDeps(ctx), CLI_CALLER, positionals.CLIENT_ID!)),
  "clients update": async ({ positionals, values }, ctx) => {
    const changes = updateChanges(values);
    return presentClient(await asCli(CLIENT_FLAGS, { ...changes }, () => updateManagedClient(serviceDeps(ctx), CLI_CALLER, positionals.CLIENT_ID!, changes)));
  },
  "clients enable": async ({ positionals }, ctx) => presentClient(await setClientDisabled(serviceDeps(ctx), CLI_CALLER, positionals.CLIENT_ID!, false)),
  "clients disable": async ({ positionals }, ctx) => presentClient(await disableClientEverywhere(serviceDeps(ctx), positionals.CLIENT_ID!)),
  "clients delete": async ({ positionals }, ctx) => {
    const deps = serviceDeps(ctx);
    const id = positionals.CLIENT_ID!;
    await deleteManagedClient(deps, CLI_CALLER, id);
    return { client_id: id, deleted: true, api_keys_deleted: await deletedKeys(deps, id) };
  },
};
