/** The admin CLI's commands, each a function from parsed arguments to a JSON-able result. */
import { parseArgs } from "node:util";
import { createClient, describeClient, GRANT_TYPES, listClients, rotateClientSecret, type GrantType } from "../clients/registry";
import type { AppDeps } from "../deps";
import { blockAccountEverywhere, unblockAccountEverywhere } from "./account-commands";
import { disableClientEverywhere } from "./client-commands";

/** What every command receives. */
export interface CliContext {
  deps: AppDeps;
  args: string[];
}

/** One CLI command. */
export type Command = (ctx: CliContext) => Promise<unknown>;

function one(args: string[], what: string): string {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new Error(`expected exactly one ${what}`);
  return positionals[0]!;
}

function grantList(values: string[] | undefined): GrantType[] | undefined {
  if (!values) return undefined;
  for (const g of values) if (!(GRANT_TYPES as readonly string[]).includes(g)) throw new Error(`unknown grant ${g}; one of ${GRANT_TYPES.join(", ")}`);
  return values as GrantType[];
}

/** Commands by their name (`"keys rotate"`). */
export const commands: Record<string, Command> = {
  // Migrations already ran while the CLI opened the database.
  migrate: async ({ args }) => {
    parseArgs({ args, strict: true });
    return { migrated: true };
  },
  "keys rotate": async ({ deps }) => {
    // Creates the first key, or proves AUTHBRIDGE_SECRET opens the stored ones before adding one sealed under it.
    await deps.keys.current().catch((e: Error) => Promise.reject(new Error(`cannot open the current signing key (${e.message}): is AUTHBRIDGE_SECRET the server's?`)));
    const kid = await deps.keys.rotate();
    const published = (await deps.keys.publicKeys()).map((k) => k.kid);
    return { current: kid, published };
  },
  "clients create": async ({ deps, args }) => {
    const { values } = parseArgs({
      args,
      strict: true,
      options: {
        name: { type: "string" },
        scopes: { type: "string" },
        "redirect-uri": { type: "string", multiple: true },
        audience: { type: "string", multiple: true },
        introspect: { type: "string", multiple: true },
        public: { type: "boolean" },
        grant: { type: "string", multiple: true },
      },
    });
    if (!values.name) throw new Error("--name is required");
    const { client, secret } = await createClient(deps.db, {
      name: values.name,
      isPublic: values.public ?? false,
      grants: grantList(values.grant),
      scopes: values.scopes ? values.scopes.split(/\s+/).filter(Boolean) : [],
      redirectUris: values["redirect-uri"] ?? [],
      audiences: values.audience ?? [],
      introspectAudiences: values.introspect ?? [],
    });
    return { ...describeClient(client), ...(secret ? { client_secret: secret } : {}) };
  },
  "clients list": async ({ deps, args }) => {
    parseArgs({ args, strict: true });
    return (await listClients(deps.db)).map(describeClient);
  },
  "clients disable": async ({ deps, args }) => describeClient(await disableClientEverywhere(deps, one(args, "client id"))),
  "clients rotate-secret": async ({ deps, args }) => {
    const { client, secret } = await rotateClientSecret(deps.db, one(args, "client id"));
    return { client_id: client.id, client_secret: secret };
  },
  "accounts block": async ({ deps, args }) => blockAccountEverywhere(deps, one(args, "account id")),
  "accounts unblock": async ({ deps, args }) => unblockAccountEverywhere(deps, one(args, "account id")),
};
