/**
 * `GET /healthz`: 200 when the database and the state store both answer within the bound, else 503 naming
 * the one that does not. Probes run in parallel so the answer comes within one bound, never a hang.
 */
import { Hono } from "hono";
import type { AppDeps } from "../deps";
import { withTimeout } from "../lib/timeout";
import { problem } from "./problem";

/** Bound for each probe (ms). */
export const HEALTH_PROBE_MS = 1500;

type Check = "ok" | "unavailable";

async function probe(p: () => Promise<unknown>, what: string): Promise<Check> {
  try {
    await withTimeout(p(), HEALTH_PROBE_MS, what);
    return "ok";
  } catch {
    return "unavailable";
  }
}

/** Routes: `/healthz`. */
export function healthRoutes(deps: AppDeps) {
  return new Hono().get("/healthz", async (c) => {
    const [database, stateStore] = await Promise.all([
      probe(() => deps.dbClient.execute("select 1"), "database"),
      probe(() => deps.store.ping(), "state store"),
    ]);
    const checks = { database, state_store: stateStore };
    if (database === "ok" && stateStore === "ok") return c.json({ status: "ok", checks }, 200, { "Cache-Control": "no-store" });
    const down = [database !== "ok" ? "database" : null, stateStore !== "ok" ? "state store" : null].filter(Boolean);
    return problem(c, 503, "Service Unavailable", `${down.join(" and ")} unavailable`, { checks });
  });
}
