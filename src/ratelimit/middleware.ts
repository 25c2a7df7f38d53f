/**
 * Rate limits at the client-authenticating endpoints, the provider callbacks and `/authorize`.
 *
 * Keys come from the caller's address or from what was authenticated — never from an unauthenticated
 * claim such as the client id in a Basic header (a flood naming a victim's client must not lock its right
 * secret out from elsewhere, and a junk id per request must not get a fresh bucket):
 *
 * - Volume (`/token`, `/introspect`, `/revoke`): per address, counted in this process. Free of network
 *   calls, so the one-store-round-trip refresh stays one round trip; on Workers it is per isolate.
 * - Failed client authentication (same endpoints): per existing client AND address, or per address alone
 *   when the id names no client; counted in the shared limiter (Upstash through @upstash/ratelimit), so
 *   guessing is limited across every instance. A key found over its limit is remembered here until its
 *   window resets and refused before the handler runs, so the right secret cannot be told from a wrong one.
 * - Provider callbacks and `/authorize`: per address, in the shared limiter.
 *
 * Over a limit → 429 with `Retry-After`, in the endpoint's own error format.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppDeps } from "../deps";
import { ClientAuthError, CredentialRejectedError } from "../errors";
import { errorPage } from "../ui/error-page";
import type { LimitRule, RateLimiter } from "./limiter";

/** The client id of a Basic header: only a hint for refusing early, never a key on its own. */
function basicClientId(c: Context): string | undefined {
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

const addressKey = (ip: string) => `ip:${ip}`;
const clientKey = (clientId: string, ip: string) => `client:${clientId}|ip:${ip}`;
// Body-authenticated callers (client_secret_post) name their client in a body we do not read here.
const bodyKey = (ip: string) => `body|ip:${ip}`;

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
 * Count this request against `rule` for the caller's address; a 429 page when over it, else undefined.
 * For handlers that limit only some of their requests (those that write state).
 * @example const limited = await limitAddress(c, deps, deps.rateLimiter, rule); if (limited) return limited;
 */
export async function limitAddress(c: Context, deps: AppDeps, limiter: RateLimiter, rule: LimitRule): Promise<Response | undefined> {
  if (rule.limit <= 0) return undefined;
  const { success, reset } = await limiter.check(rule, addressKey(deps.clientIp(c)));
  return success ? undefined : tooMany(c, deps, reset, true);
}

/**
 * Limit every request under `rule` with `limiter`, per caller address (before the handler runs).
 * @example app.use("/auth/:provider/callback", rateLimit(deps, deps.rateLimiter, rule, { html: true }));
 */
export function rateLimit(deps: AppDeps, limiter: RateLimiter, rule: LimitRule, opts: { html?: boolean } = {}): MiddlewareHandler {
  return async (c, next) => {
    if (rule.limit <= 0) return next();
    const { success, reset } = await limiter.check(rule, addressKey(deps.clientIp(c)));
    if (success) return next();
    return tooMany(c, deps, reset, opts.html ?? false);
  };
}

// Keys known to be over a rule, shared by every endpoint of one app that counts under that rule: a client
// locked out at /token is refused early at /introspect and /revoke too, not let through to a right guess.
const blockedByApp = new WeakMap<AppDeps, Map<string, Map<string, number>>>();
function blockedKeys(deps: AppDeps, ruleName: string): Map<string, number> {
  let byRule = blockedByApp.get(deps);
  if (!byRule) blockedByApp.set(deps, (byRule = new Map()));
  let keys = byRule.get(ruleName);
  if (!keys) byRule.set(ruleName, (keys = new Map()));
  return keys;
}

/**
 * Count failed client authentications under `rule` in the shared limiter, keyed by the existing client
 * named and the address (or the address alone for unknown ids). A key over its limit is refused for the
 * rest of its window, here and — at its next failure — on every other instance.
 * @example app.use("/token", limitAuthFailures(deps, { name: "auth-failures", limit: 20, windowSeconds: 60 }));
 */
export function limitAuthFailures(deps: AppDeps, rule: LimitRule): MiddlewareHandler {
  const blocked = blockedKeys(deps, rule.name);
  const blockedUntil = (key: string): number | undefined => {
    const until = blocked.get(key);
    if (until === undefined) return undefined;
    if (until > deps.now()) return until;
    blocked.delete(key);
    return undefined;
  };
  const block = (key: string, until: number) => {
    if (blocked.size > 10_000) blocked.clear(); // bounded: worst case a blocked key is asked about again
    blocked.set(key, until);
  };
  return async (c, next) => {
    if (rule.limit <= 0) return next();
    const ip = deps.clientIp(c);
    // Refused before the handler runs, so that a right guess past the limit looks like a wrong one. The
    // address bucket needs no early refusal: an id that names no client never succeeds.
    const claimed = basicClientId(c);
    const early = claimed !== undefined ? blockedUntil(clientKey(claimed, ip)) : blockedUntil(bodyKey(ip));
    if (early !== undefined) return tooMany(c, deps, early, false);
    await next();
    const err = c.error;
    // Refused API keys count too (per address): they authenticate their presenter like a client secret.
    if (!(err instanceof ClientAuthError) && !(err instanceof CredentialRejectedError) && c.res.status !== 401) return;
    const known = err instanceof ClientAuthError ? err.knownClientId : undefined;
    const key = known !== undefined ? clientKey(known, ip) : addressKey(ip);
    const local = blockedUntil(key);
    if (local !== undefined) {
      c.res = await tooMany(c, deps, local, false);
      return;
    }
    const { success, reset } = await deps.rateLimiter.check(rule, key);
    if (success) return;
    block(key, reset);
    // A client blocked at this address is also refused early when it authenticates in the body.
    if (known !== undefined) block(bodyKey(ip), Math.max(reset, blocked.get(bodyKey(ip)) ?? 0));
    c.res = await tooMany(c, deps, reset, false);
  };
}
