/**
 * The admin CLI (`npx authbridge <command>`, `npm run authbridge -- <command>`): JSON on stdout and
 * nothing else; messages on stderr as `error: …`; exit 1 on failure, 2 on a usage error.
 *
 * Order matters for safety: help and argument errors are answered from the command specs alone, and
 * input is checked, all before the command's module loads or anything is opened — `keys rotate --help`
 * can never rotate a key. The heavy modules load lazily, which also keeps `--help` instant.
 */
import { parseCommandArgs, UsageError, wantsHelp } from "./args";
import { COMMANDS, commandHelp, overviewHelp, type CommandSpec } from "./spec";

const out = (text: string) => process.stdout.write(text.endsWith("\n") ? text : text + "\n");
const err = (text: string) => process.stderr.write(text.endsWith("\n") ? text : text + "\n");

function resolve(argv: string[]): { spec: CommandSpec; rest: string[] } | { help: string; code: number } {
  const [first, second] = argv;
  if (first === undefined) return { help: overviewHelp(), code: 2 };
  if (first === "--help" || first === "-h" || first === "help") return { help: overviewHelp(), code: 0 };
  const single = COMMANDS.find((c) => c.name === first);
  if (single) return { spec: single, rest: argv.slice(1) };
  const pair = COMMANDS.find((c) => c.name === `${first} ${second ?? ""}`);
  if (pair) return { spec: pair, rest: argv.slice(2) };
  if (COMMANDS.some((c) => c.name.startsWith(`${first} `))) {
    if (second === "--help" || second === "-h") return { help: overviewHelp(first), code: 0 };
    if (second === undefined) return { help: overviewHelp(first), code: 2 };
  }
  const typed = argv.slice(0, second !== undefined && !second.startsWith("-") ? 2 : 1).join(" ");
  throw new UsageError(`unknown command "${typed}"; commands: ${COMMANDS.map((c) => c.name).join(", ")}`);
}

async function main(argv: string[]): Promise<number> {
  const found = resolve(argv);
  if ("help" in found) {
    (found.code === 0 ? out : err)(found.help);
    return found.code;
  }
  const { spec, rest } = found;
  if (wantsHelp(rest)) {
    out(commandHelp(spec));
    return 0;
  }
  const args = parseCommandArgs(spec, rest);
  const { runs, checks } = await import("./commands");
  checks[spec.name]?.(args);
  const { openFor } = await import("./open");
  const opened = await openFor(spec.needs, process.env);
  try {
    out(JSON.stringify(await runs[spec.name]!(args, opened.ctx), null, 2));
  } finally {
    opened.close();
  }
  return 0;
}

function report(e: unknown, argv: string[]): number {
  if (e instanceof UsageError) {
    const command = COMMANDS.find((c) => argv.join(" ").startsWith(c.name));
    for (const line of e.message.split("\n")) err(`error: ${line}`);
    err(`Run "authbridge ${command?.name ?? ""}${command ? " " : ""}--help" for usage.`);
    return 2;
  }
  // ConfigError's message already lists each variable on its own line; nothing here prints a stack.
  err(`error: ${e instanceof Error ? e.message : String(e)}`);
  return 1;
}

const argv = process.argv.slice(2);
main(argv).then(
  (code) => process.exit(code),
  (e: unknown) => process.exit(report(e, argv)),
);
