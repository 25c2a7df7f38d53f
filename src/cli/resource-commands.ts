/**
 * `resources add | list | remove`: the APIs (resource servers, RFC 8707) tokens may be issued for. Input is
 * checked from the arguments alone, before anything opens, and every problem names its flag; the registry
 * then writes and audits with "cli" as the actor. Resources declared in AUTHBRIDGE_RESOURCES live in the
 * configuration and are not listed or removed here.
 */
import type { z } from "zod";
import { addResource, describeResource, listResources, removeResource, ResourceError } from "../resources/registry";
import { ResourceInput, resourceUriProblem } from "../resources/resource";
import { UsageError, type ParsedArgs } from "./args";
import type { CliContext } from "./commands";

/** The actor recorded in audit events for what the CLI does. */
const ACTOR = "cli";

// Field of the validated input → the flag it came from.
const FLAGS: Record<string, string> = { uri: "--uri", name: "--name", scopes: "--scopes", descriptions: "--describe" };

/** `--describe "repos:read=Read your repositories"` (repeatable) as scope → words. */
function descriptionsFrom(values: ParsedArgs["values"]): Record<string, string> {
  const given = values.describe;
  const list = Array.isArray(given) ? given : typeof given === "string" ? [given] : [];
  const out: Record<string, string> = {};
  for (const entry of list) {
    const i = entry.indexOf("=");
    if (i <= 0 || entry.slice(i + 1).trim() === "") throw new UsageError(`--describe ${JSON.stringify(entry)}: expected SCOPE=WORDS, e.g. "notes:read=Read your notes"`);
    const scope = entry.slice(0, i).trim();
    if (Object.hasOwn(out, scope)) throw new UsageError(`--describe ${JSON.stringify(entry)}: ${scope} is described twice`);
    out[scope] = entry.slice(i + 1).trim();
  }
  return out;
}

/** Checked input of `resources add`, or a UsageError naming every bad flag. */
export function addResourceInput(values: ParsedArgs["values"]): z.input<typeof ResourceInput> {
  const scopesText = values.scopes as string | undefined;
  const input = {
    uri: values.uri as string,
    name: values.name as string,
    scopes: (scopesText ?? "").split(/\s+/).filter(Boolean),
    descriptions: descriptionsFrom(values),
  };
  const checked = ResourceInput.safeParse(input);
  if (!checked.success) {
    throw new UsageError(
      checked.error.issues
        .map((issue) => {
          const [field, key] = issue.path;
          const flag = FLAGS[String(field)] ?? `--${String(field)}`;
          const value = field === "scopes" && typeof key === "number" ? ` ${JSON.stringify(input.scopes[key])}` : field === "descriptions" && key !== undefined ? ` ${String(key)}` : "";
          return `${flag}${value}: ${issue.message}`;
        })
        .join("\n"),
    );
  }
  return input;
}

/** Checks of the arguments, run before anything is opened. */
export const resourceChecks: Record<string, (args: ParsedArgs) => void> = {
  "resources add": ({ values }) => void addResourceInput(values),
  "resources remove": ({ positionals }) => {
    const problem = resourceUriProblem(positionals.URI ?? "");
    if (problem) throw new UsageError(`URI ${JSON.stringify(positionals.URI ?? "")}: ${problem}`);
  },
};

/** Runs of the `resources` commands. */
export const resourceRuns: Record<string, (args: ParsedArgs, ctx: CliContext) => Promise<unknown>> = {
  "resources add": async ({ values }, { db }) => {
    try {
      return describeResource(await addResource(db, addResourceInput(values), ACTOR));
    } catch (e) {
      if (e instanceof ResourceError) throw new Error(`--uri: ${e.message}`);
      throw e;
    }
  },
  "resources list": async (_args, { db }) => (await listResources(db)).map(describeResource),
  "resources remove": async ({ positionals }, { db }) => {
    try {
      return describeResource(await removeResource(db, positionals.URI!, ACTOR));
    } catch (e) {
      if (e instanceof ResourceError) throw new Error(e.message);
      throw e;
    }
  },
};
