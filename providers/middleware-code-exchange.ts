/**
 * The authorization-code exchange of @hono/oauth-providers (GitHub, Discord), used on its own: the one
 * place that wraps what the middleware cannot do safely.
 *
 * Why it is wrapped: the middleware's start half keeps ONE unsigned `state` cookie shared by every
 * provider (never deleted, so concurrent flows clobber each other), and it has no PKCE or nonce. So the
 * platform modules build their authorize URL themselves, the login routes keep their own signed flow
 * cookie and check `state`, and only the code exchange runs through the middleware: in a private inner
 * app that sees only `?code&state` and our already-verified state as its `state` cookie, so its cookie
 * never reaches the browser.
 *
 * Its refusals (HTTPException below 500, e.g. GitHub's 200-with-error on a bad code) become
 * {@link ProviderRejectedError}; anything else is an outage. It has no timeout: the caller's signal bounds it.
 */
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { ProviderRejectedError, type CallbackInput, type ProviderTokens } from "../src/domain";
import { DependencyUnavailableError } from "../src/errors";

/** What every code exchange yields besides the provider-specific `user`. */
const CodeExchangeResult = z.object({
  token: z.object({ token: z.string().min(1), expires_in: z.number().optional().nullable() }),
  refresh: z.object({ token: z.string(), expires_in: z.number() }).optional().nullable(),
  scopes: z.array(z.string()).optional().nullable(),
  user: z.unknown().optional(),
});

/** The tokens of a code exchange, and the provider's user object as the middleware fetched it. */
export type CodeExchanged = z.infer<typeof CodeExchangeResult>;

/**
 * Wrap a middleware (`githubAuth(...)`, `discordAuth(...)`) as `(input) → tokens`.
 * @example const exchange = middlewareCodeExchange("github", githubAuth({...}), (c) => c.get("user-github"));
 */
export function middlewareCodeExchange(
  provider: "github" | "discord",
  middleware: MiddlewareHandler,
  user: (c: Context) => unknown,
): (input: CallbackInput) => Promise<CodeExchanged> {
  const inner = new Hono()
    .get("/callback", middleware, (c) => c.json({ token: c.get("token"), refresh: c.get("refresh-token"), scopes: c.get("granted-scopes"), user: user(c) }))
    .onError((err, c) =>
      err instanceof HTTPException && err.status < 500 ? c.json({ rejected: err.message || `HTTP ${err.status}` }, 400) : c.json({ unavailable: err.message }, 503),
    );
  return async (input) => {
    const code = input.params.get("code");
    if (!code) throw new ProviderRejectedError(provider, "no code in the callback");
    const q = new URLSearchParams({ code, state: input.state });
    let res: Response;
    try {
      res = await inner.request(`/callback?${q}`, { headers: { Cookie: `state=${input.state}` }, signal: input.signal });
    } catch (cause) {
      throw new DependencyUnavailableError("provider", `${provider} did not answer`, { cause });
    }
    const body: unknown = await res.json();
    if (res.status === 400) throw new ProviderRejectedError(provider, String((body as { rejected?: unknown }).rejected));
    if (res.status !== 200) throw new DependencyUnavailableError("provider", `${provider}: ${String((body as { unavailable?: unknown }).unavailable)}`);
    const parsed = CodeExchangeResult.safeParse(body);
    if (!parsed.success) throw new DependencyUnavailableError("provider", `${provider} gave an unexpected answer`, { cause: parsed.error });
    return parsed.data;
  };
}

/**
 * Our stored form of the exchanged tokens (expiry as epoch seconds).
 * @example const tokens = providerTokens(exchanged, Math.floor(Date.now() / 1000));
 */
export function providerTokens(x: CodeExchanged, nowSeconds: number): ProviderTokens {
  return {
    accessToken: x.token.token,
    refreshToken: x.refresh?.token || undefined,
    expiresAt: x.token.expires_in ? nowSeconds + x.token.expires_in : undefined,
    // GitHub separates granted scopes with commas (the middleware splits them); we store them space-separated.
    scope: x.scopes?.join(" "),
  };
}
