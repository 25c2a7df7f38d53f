/**
 * Rate limits at the token, introspection and provider-callback endpoints.
 *
 * - Volume (`/token`, `/introspect`): counted in this process per client (or address). Free of network
 *   calls, so the one-store-round-trip refresh stays one round trip; on Workers it is per isolate.
 * - Failed client authentication (`/token`, `/introspect`) and provider callbacks: counted in the shared
 *   limiter (Upstash through @upstash/ratelimit), so guessing is limited across every instance. A key
 *   found over its limit is remembered here until its window resets and refused without asking again.
 *
 * Over a limit → 429 with `Retry-After`, in the endpoint's own error format.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppDeps } from "../deps";
import { errorPage } from "../ui/error-page";
import type { LimitRule, RateLimiter } from "./limiter";

function clientIdOf(c: Context): string | undefined {
  const auth = c.req.header("authorization");
  if (auth && /^basic /i.test(auth)) {
    try {
      const decoded = atob(auth.slice(6).trim());
      return decodeURIComponent(decoded.slice(0, Math.max(0, decoded.indexOf(":"))).replace(/\+/g, " ")) || undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

const keyOf = (deps: AppDeps, c: Context) => clientIdOf(c) ?? `ip:${deps.clientIp(c)}`;

function tooMany(c: Context, deps: AppDeps, reset: number, html: boolean): Response | Promise<Response> {
  const retryAfter = String(Math.max(1, Math.ceil((reset - deps.now()) / 1000)));
  if (html) {
    return Promise.resolve(errorPage(c, { status: 429, title: "Too many attempts", message: "Please wait a moment and try again." })).then((res) => {
      res.headers.set("Retry-After", retryAfter);
      return res;
    });
  }
  return c.json({ error: "slow_down", error_description: "too many requests, retry later" }, 429, { "Retry-After": retryAfter, "Cache-Control": "no-store" });
}

/**
 * Limit every request under `rule` with `limiter` (before the handler runs).
 * @example app.use("/auth/:provider/callback", rateLimit(deps, deps.rateLimiter, rule, { html: true }));
 */
export function rateLimit(deps: AppDeps, limiter: RateLimiter, rule: LimitRule, opts: { html?: boolean } = {}): MiddlewareHandler {
  return async (c, next) => {
    if (rule.limit <= 0) return next();
    const { success, reset } = await limiter.check(rule, keyOf(deps, c));
    if (success) return next();
    return tooMany(c, deps, reset, opts.html ?? false);
  };
}

/**
 * Count failed client authentications (401 answers) under `rule` in the shared limiter; a key over it is
 * refused for the rest of its window, here and — at its next failure — on every other instance.
 * @example app.use("/token", limitAuthFailures(deps, { name: "auth-failures", limit: 20, windowSeconds: 60 }));
 */
export function limitAuthFailures(deps: AppDeps, rule: LimitRule): MiddlewareHandler {
  const blocked = new Map<string, number>();
  return async (c, next) => {
    if (rule.limit <= 0) return next();
    const key = keyOf(deps, c);
    const until = blocked.get(key);
    if (until !== undefined) {
      if (until > deps.now()) return tooMany(c, deps, until, false);
      blocked.delete(key);
    }
    await next();
    if (c.res.status !== 401) return;
    const { success, reset } = await deps.rateLimiter.check(rule, key);
    if (success) return;
    if (blocked.size > 10_000) blocked.clear(); // bounded: worst case a blocked key is asked about again
    blocked.set(key, reset);
    c.res = await tooMany(c, deps, reset, false);
  };
}
