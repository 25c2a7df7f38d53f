import { defineConfig } from "vitest/config";

/**
 * Tests start their own real servers (redis-server, the Upstash bridge, sqld, workerd, Chromium), so they
 * run in forked processes with generous hook timeouts; two workers fit this two-core machine.
 */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
    env: { UPSTASH_DISABLE_TELEMETRY: "1" },
  },
});
