/**
 * In-process CPU profiling for benchmark children: start and stop V8's sampling profiler around exactly the
 * window being measured (start-up, migrations and seeding stay out), and write the profile where asked.
 * Open the `.cpuprofile` in Chrome DevTools, or read its top entries with `bench/profile.ts`.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

let session: Session | undefined;

/** Child ops: `profileStart` and `profileStop` {path} (see child.ts `serveChild`). */
export const profilerOps = {
  async profileStart(): Promise<void> {
    session = new Session();
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 100 });
    await session.post("Profiler.start");
  },
  async profileStop(arg: unknown): Promise<string> {
    if (!session) throw new Error("profiler not started");
    const { profile } = await session.post("Profiler.stop");
    session.disconnect();
    session = undefined;
    const path = String((arg as { path?: string } | undefined)?.path ?? `/tmp/authbridge-${process.pid}.cpuprofile`);
    writeFileSync(path, JSON.stringify(profile));
    return path;
  },
};
