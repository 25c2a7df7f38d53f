/** The admin CLI's commands, each a function from parsed arguments to a JSON-able result. */
import type { AppDeps } from "../deps";

/** What every command receives. */
export interface CliContext {
  deps: AppDeps;
  args: string[];
}

/** One CLI command. */
export type Command = (ctx: CliContext) => Promise<unknown>;

/** Commands by their name (`"keys rotate"`). */
export const commands: Record<string, Command> = {
  // Migrations already ran while the CLI opened the database.
  migrate: async () => ({ migrated: true }),
  "keys rotate": async ({ deps }) => {
    await deps.keys.ensureCurrent();
    const kid = await deps.keys.rotate();
    const published = (await deps.keys.publicKeys()).map((k) => k.kid);
    return { current: kid, published };
  },
};
