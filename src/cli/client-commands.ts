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
import { checkOidcFlags, oidcUpdateFlags } from "./oidc-options";
import { asCli, CLIENT_FLAGS, flagLine, listReplacement, serviceDeps, stringOption } from "./services";

/**
 * Disable `clientId` and revoke its live access tokens and its API keys (idempotent: a disabled client
 * keeps its original time), audited with the actor `cli`.
 * @example await disableClientEverywhere(deps, "client_…");
 */
export async function disableClientEverywhere(deps: AppDeps, clientId: string): Promise<ManagedClient> {
  return setClientDisabled(deps, CLI_CALLER, clientId, true);
}

const isGrant = (g: string): g is GrantType => (GRANT_TYPES as readonly string[]).includes(g);

/** Every flag of `clients update` that changes something, for the message when none is given. */
const UPDATE_FLAGS = "--name, --scopes, --redirect-uri, --audience, --grant, --introspect, --id-token-alg, --userinfo-alg, --post-logout-redirect-uri";

/**
 * Checked changes of `clients update`, or a UsageError naming every bad flag. Each given field is checked
 * against the registry's rule for that field (the OpenID Connect options against the settings' rule);
 * rules between fields (authorization_code needs a redirect URI, a public client has no
 * client_credentials) depend on what the client already has, so the service checks those, on the whole
 * result.
 * @example updateChanges({ name: "billing", grant: ["client_credentials"] }) // { name: "billing", grants: ["client_credentials"] }
 */
export function updateChanges(values: ParsedArgs["values"]): ClientChanges {
  const scopesText = stringOption(values, "scopes");
  const input = {
    name: stringOption(values, "name"),
    scopes: scopesText === undefined ? undefined : scopesText.split(/\s+/).filter(Boolean),
    redirectUris: listReplacement(values, "redirect-uri"),
    audiences: listReplacement(values, "audience"),
    grants: listReplacement(values, "grant"),
    introspectAudiences: listReplacement(values, "introspect"),
  };
  const oidcFlags = oidcUpdateFlags(values);
  const given = Object.entries(input).filter(([, v]) => v !== undefined);
  if (given.length === 0 && Object.values(oidcFlags).every((v) => v === undefined)) throw new UsageError(`nothing to change: give at least one of ${UPDATE_FLAGS}`);
  const shape = CreateClientInput.in.shape;
  const problems = given.flatMap(([field, value]) => {
    const checked = shape[field as keyof typeof shape].safeParse(value);
    if (checked.success) return [];
    return checked.error.issues.map((issue) => {
      const message = issue.code === "invalid_value" && field === "grants" ? "unknown grant type" : issue.message;
      return flagLine(CLIENT_FLAGS, [field, ...issue.path], message, input);
    });
  });
  const oidc = checkOidcFlags(oidcFlags);
  problems.push(...oidc.problems);
  if (problems.length > 0 || oidc.patch === undefined) throw new UsageError(problems.join("\n"));
  const { grants, ...rest } = input;
  return { ...rest, grants: grants?.filter(isGrant), ...oidc.patch };
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
