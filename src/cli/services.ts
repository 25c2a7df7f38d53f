/**
 * Calling the management services (src/admin/) from the CLI: the same services the management API and the
 * console call, with the CLI as an operator whose actor is `cli`, so all three front ends refuse, change
 * and audit alike. This module gives the services what they need from what the command opened, and turns
 * their refusals into the CLI's: problems with the input name the flag they came from (exit status 2),
 * anything else is a failure with the service's message (exit status 1).
 */
import type { AppDeps } from "../deps";
import { AdminError } from "../admin/errors";
import { MAX_PAGE } from "../admin/pagination";
import { UsageError, type ParsedArgs } from "./args";
import type { CliContext } from "./commands";

/** A service's (or a schema's) field name → the flag it comes from, as typed. */
export type FlagMap = Readonly<Record<string, string>>;

/** The fields of a client, as the registry and the management services name them, and their flags. */
export const CLIENT_FLAGS: FlagMap = {
  name: "--name",
  isPublic: "--public",
  grants: "--grant",
  scopes: "--scopes",
  redirectUris: "--redirect-uri",
  audiences: "--audience",
  introspectAudiences: "--introspect",
  idTokenAlg: "--id-token-alg",
  userinfoAlg: "--userinfo-alg",
  postLogoutRedirectUris: "--post-logout-redirect-uri",
};

/**
 * One problem as the CLI says it: the flag, the offending value when it is one entry of a list (which of
 * three `--redirect-uri` was wrong), then what is wrong. `input` holds the values by field name.
 * @example flagLine(CLIENT_FLAGS, ["redirectUris", 1], "must be https…", { redirectUris: ["https://a/cb", "http://b/cb"] }) // '--redirect-uri "http://b/cb": must be https…'
 */
export function flagLine(flags: FlagMap, path: readonly PropertyKey[], message: string, input: Readonly<Record<string, unknown>>): string {
  const [field, index] = path;
  const name = String(field ?? "input");
  const flag = flags[name] ?? name;
  const list = input[name];
  const value = typeof index === "number" && Array.isArray(list) ? ` ${JSON.stringify(list[index])}` : "";
  return `${flag}${value}: ${message}`;
}

/** A service's dotted field (`redirectUris.0`) as a path (`["redirectUris", 0]`). */
function pathOf(field: string): PropertyKey[] {
  return field.split(".").map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/**
 * Run a service call, turning an `invalid_input` refusal into a UsageError whose lines name the flags
 * (through `flags`); other refusals (no such client, …) go on as they are, their messages already in the
 * CLI's style ("no client client_…").
 * @example await asCli(CLIENT_FLAGS, changes, () => updateManagedClient(deps, CLI_CALLER, id, changes));
 */
export async function asCli<T>(flags: FlagMap, input: Readonly<Record<string, unknown>>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof AdminError && e.code === "invalid_input" && e.problems.length > 0) {
      throw new UsageError(e.problems.map((p) => flagLine(flags, pathOf(p.field), p.message, input)).join("\n"));
    }
    throw e;
  }
}

/** What a service may use of a command that opened only the database. */
const DATABASE_ONLY = new Set<PropertyKey>(["db", "now"]);

/**
 * The dependencies to hand a management service. A command that opened everything passes the server's
 * own. One that opened only the database (so it works with nothing but DATABASE_URL, for bootstrapping)
 * passes the database and the clock, and nothing else: the services it calls read no more than that for
 * an operator. Should one ever read more (the state store, the configuration), it gets a clear internal
 * error naming what it read, instead of an `undefined` that might fail open.
 * @example const deps = serviceDeps(ctx); await listAuditEvents(deps, { limit: 20 });
 */
export function serviceDeps(ctx: CliContext): AppDeps {
  if (ctx.deps) return ctx.deps;
  const present: Record<PropertyKey, unknown> = { db: ctx.db, now: () => Date.now() };
  return new Proxy(present, {
    get(target, prop) {
      if (DATABASE_ONLY.has(prop)) return target[prop];
      // Probes of what an object is (await's `then`, inspection symbols) must not throw.
      if (typeof prop === "symbol" || prop === "then" || prop === "toJSON") return undefined;
      throw new Error(`internal: this command opened only the database, but the service read deps.${prop}: its spec must say needs: "everything"`);
    },
  }) as unknown as AppDeps;
}

/** An option's value as a string, when given. */
export function stringOption(values: ParsedArgs["values"], name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

/** A repeatable option's values, when given. */
export function listOption(values: ParsedArgs["values"], name: string): string[] | undefined {
  const v = values[name];
  return Array.isArray(v) ? v : undefined;
}

/**
 * A repeatable option's new list for a command that changes something: its values, or the empty list when
 * it is given once with an empty value (`--audience ""`). An empty value among others is a mistake, not a
 * way to clear.
 * @example listReplacement({ audience: [""] }, "audience") // []
 */
export function listReplacement(values: ParsedArgs["values"], name: string): string[] | undefined {
  const given = listOption(values, name);
  if (given === undefined) return undefined;
  if (given.length === 1 && given[0] === "") return [];
  if (given.includes("")) throw new UsageError(`--${name} "": an empty value empties the list; give it alone`);
  return given;
}

/**
 * `--limit N`, when given: a whole number from 1 to the services' largest page (checked here, before
 * anything opens, with the flag in the message).
 * @example pageLimit({ limit: "20" }) // 20
 */
export function pageLimit(values: ParsedArgs["values"]): number | undefined {
  const text = stringOption(values, "limit");
  if (text === undefined) return undefined;
  const n = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) throw new UsageError(`--limit ${JSON.stringify(text)}: must be a whole number from 1 to ${MAX_PAGE}`);
  return n;
}

/** Field names of the pagination services → the CLI's flags. */
export const PAGE_FLAGS: FlagMap = { limit: "--limit", cursor: "--before" };
