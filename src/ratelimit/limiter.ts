/**
 * Rate limiting behind a small port: on Upstash through @upstash/ratelimit (sliding window, shared by
 * every instance), on the embedded Node setup a fixed window kept in this process (there is only one).
 */

/** Outcome of one check. */
export interface LimitResult {
  success: boolean;
  /** When the window resets, epoch ms. */
  reset: number;
}

/** A rule: at most `limit` requests per `windowSeconds` for each key. */
export interface LimitRule {
  name: string;
  limit: number;
  windowSeconds: number;
}

/** The port. */
export interface RateLimiter {
  check(rule: LimitRule, key: string): Promise<LimitResult>;
}

/**
 * In-process fixed windows (the embedded setup runs one Node process). Memory stays bounded: expired
 * windows are dropped as new ones are made, and at most `maxKeys` windows are kept.
 */
export function createMemoryLimiter(opts: { now?: () => number; maxKeys?: number } = {}): RateLimiter {
  const now = opts.now ?? Date.now;
  const maxKeys = opts.maxKeys ?? 50_000;
  const windows = new Map<string, { count: number; reset: number }>();
  return {
    async check(rule, key) {
      const t = now();
      const id = `${rule.name}:${key}`;
      let w = windows.get(id);
      if (!w || w.reset <= t) {
        if (windows.size >= maxKeys) {
          for (const [k, v] of windows) if (v.reset <= t) windows.delete(k);
          // Still full of live windows: drop the oldest insertion rather than grow without bound.
          if (windows.size >= maxKeys) windows.delete(windows.keys().next().value!);
        }
        w = { count: 0, reset: t + rule.windowSeconds * 1000 };
        windows.delete(id);
        windows.set(id, w);
      }
      w.count++;
      return { success: w.count <= rule.limit, reset: w.reset };
    },
  };
}
