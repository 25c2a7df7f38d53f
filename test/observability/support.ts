/** A test app whose log lines are captured (JSON, every level) and whose /metrics is unlocked by a token. */
import type { Hono } from "hono";
import { createApp } from "../../src/app";
import { createLogger } from "../../src/lib/log";
import { createTestApp, type TestApp, type TestAppOptions } from "../support/app";

export const METRICS_TOKEN = "metrics-token-0123456789abcdef";

/** The app under test, its captured lines, and a scrape of its metrics. */
export interface ObservedApp {
  t: TestApp;
  app: Hono;
  lines: string[];
  /** Parsed JSON log lines. */
  records(): Record<string, unknown>[];
  scrape(): Promise<string>;
}

/**
 * Build the usual test app, then the app again over the same deps with a capturing logger and METRICS_TOKEN.
 * @example const o = await observedApp(); await o.app.request("/healthz"); o.records();
 */
export async function observedApp(opts: TestAppOptions = {}): Promise<ObservedApp> {
  const t = await createTestApp(opts);
  const lines: string[] = [];
  const logger = createLogger({ format: "json", level: "debug", write: (line) => lines.push(line) });
  const app = createApp({ ...t.deps, logger, config: { ...t.deps.config, metricsToken: METRICS_TOKEN } });
  return {
    t,
    app,
    lines,
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    scrape: async () => {
      const res = await app.request("/metrics", { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
      if (res.status !== 200) throw new Error(`metrics answered ${res.status}`);
      return res.text();
    },
  };
}

/** The value of one sample line (`name{labels} value`), or undefined. */
export function sample(text: string, nameAndLabels: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${nameAndLabels} `));
  return line === undefined ? undefined : Number(line.slice(nameAndLabels.length + 1));
}
