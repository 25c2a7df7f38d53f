/**
 * The shared limiter on Upstash Redis (@upstash/ratelimit, sliding window). If Redis does not answer
 * within the timeout the request is let through: a slow limiter must not take the token endpoint down.
 */
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import type { LimitRule, RateLimiter } from "./limiter";

/** Build the Upstash-backed limiter. */
export function createUpstashLimiter(opts: { url: string; token: string; prefix?: string; timeoutMs?: number }): RateLimiter {
  const redis = new Redis({ url: opts.url, token: opts.token, enableTelemetry: false, retry: { retries: 0, backoff: () => 0 } });
  const limiters = new Map<string, Ratelimit>();
  const limiterFor = (rule: LimitRule) => {
    let l = limiters.get(rule.name);
    if (!l) {
      l = new Ratelimit({
        redis,
        limiter: Ratelimit.slidingWindow(rule.limit, `${rule.windowSeconds} s`),
        prefix: `${opts.prefix ?? "ab:"}rl:${rule.name}`,
        timeout: opts.timeoutMs ?? 1000,
        analytics: false,
        // Keeps identifiers known to be blocked in memory, sparing Redis while someone hammers us.
        ephemeralCache: new Map(),
      });
      limiters.set(rule.name, l);
    }
    return l;
  };
  return {
    async check(rule, key) {
      const r = await limiterFor(rule).limit(key);
      return { success: r.success, reset: r.reset };
    },
  };
}
