/**
 * Reading a command's arguments strictly: unknown options, stray or missing arguments, an option without
 * its value or given twice all fail here, before the command touches anything. Messages name the flag as
 * typed (`--redirect-uri`).
 */
import { parseArgs } from "node:util";
import type { CommandSpec } from "./spec";

/** A mistake in how the command was called (exit status 2). */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Parsed arguments: option values by flag name, and the positionals by their spec name. */
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: Record<string, string>;
}

/** The flag a Node parseArgs message mentions (`'--bogus'`), as typed. */
function flagIn(message: string): string {
  return /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? "an option";
}

/**
 * Parse `args` against `spec`.
 * @example const { values, positionals } = parseCommandArgs(spec, ["--name", "billing"]);
 */
export function parseCommandArgs(spec: CommandSpec, args: string[]): ParsedArgs {
  const options = Object.fromEntries(Object.entries(spec.options).map(([n, o]) => [n, { type: o.type, multiple: o.multiple ?? false }]));
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true; strict: true; tokens: true }>>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new UsageError(`unknown option ${flagIn(err.message)}`);
    if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      const flag = flagIn(err.message);
      const name = flag.replace(/^-+/, "");
      throw new UsageError(spec.options[name]?.type === "boolean" ? `${flag} takes no value` : `${flag} needs a value`);
    }
    throw new UsageError(err.message);
  }
  const seen = new Set<string>();
  for (const t of parsed.tokens) {
    if (t.kind !== "option") continue;
    if (!spec.options[t.name]?.multiple && seen.has(t.name)) throw new UsageError(`--${t.name} given more than once`);
    seen.add(t.name);
    // "--name --public" would take "--public" as the name: almost always a forgotten value.
    if (t.value?.startsWith("--") && t.inlineValue === false) throw new UsageError(`--${t.name} needs a value (got ${t.value})`);
  }
  for (const [n, o] of Object.entries(spec.options)) if (o.required && parsed.values[n] === undefined) throw new UsageError(`--${n} is required`);
  const extra = parsed.positionals.slice(spec.positionals.length);
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  const missing = spec.positionals[parsed.positionals.length];
  if (missing) throw new UsageError(`missing ${missing.name}`);
  const positionals = Object.fromEntries(spec.positionals.map((p, i) => [p.name, parsed.positionals[i]!]));
  return { values: parsed.values as ParsedArgs["values"], positionals };
}

/** True when `args` asks for help (before a `--` that ends the options). */
export function wantsHelp(args: string[]): boolean {
  for (const a of args) {
    if (a === "--") return false;
    if (a === "--help" || a === "-h") return true;
  }
  return false;
}
