/**
 * Rate-limit middleware for the token, introspection and provider-callback endpoints. Keys are the
 * client id when the request names one, else the caller's address; over the limit → 429 with
 * `Retry-After`, in the endpoint's own error format.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppDeps } from "../deps";
import { errorPage } from "../ui/error-page";
import type { LimitRule } from "./limiter";

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

/**
 * Limit requests under `rule`; `html` answers with a page instead of OAuth JSON.
 * @example app.use("/token", rateLimit(deps, { name: "token", limit: 600, windowSeconds: 60 }));
 */
export function rateLimit(deps: AppDeps, rule: LimitRule, opts: { html?: boolean } = {}): MiddlewareHandler {
  return async (c, next) => {
    if (rule.limit <= 0) return next();
    const key = clientIdOf(c) ?? `ip:${deps.clientIp(c)}`;
    const { success, reset } = await deps.rateLimiter.check(rule, key);
    if (success) return next();
    const retryAfter = String(Math.max(1, Math.ceil((reset - deps.now()) / 1000)));
    if (opts.html) {
      const res = await errorPage(c, { status: 429, title: "Too many attempts", message: "Please wait a moment and try again." });
      res.headers.set("Retry-After", retryAfter);
      return res;
    }
    return c.json({ error: "slow_down", error_description: "too many requests, retry later" }, 429, { "Retry-After": retryAfter, "Cache-Control": "no-store" });
  };
}
