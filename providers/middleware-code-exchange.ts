/**
 * The code exchange of @hono/oauth-providers, used on its own. The middleware runs in a private inner
 * app that sees only `?code&state` and our already-verified state as its `state` cookie, so its own
 * (unsigned, shared) state cookie never reaches the browser and concurrent flows cannot clobber it.
 * Its refusals (HTTPException below 500, e.g. GitHub's 200-with-error on a bad code) become
 * {@link ProviderRejectedError}; anything else is an outage. It has no timeout: the caller's signal bounds it.
 */
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { DependencyUnavailableError } from "../src/errors";
import { ProviderRejectedError, type CallbackInput } from "./provider";

/** What every exchange yields besides the provider-specific `user`. */
const ExchangeResult = z.object({
  token: z.object({ token: z.string().min(1), expires_in: z.number().optional().nullable() }),
  refresh: z.object({ token: z.string(), expires_in: z.number() }).optional().nullable(),
  scopes: z.array(z.string()).optional().nullable(),
  user: z.unknown().optional(),
});

/** The tokens of an exchange, and the provider's user object as the middleware fetched it. */
export type Exchanged = z.infer<typeof ExchangeResult>;

/**
 * Wrap a middleware (`githubAuth(...)`, `discordAuth(...)`) as `(input) → tokens`.
 * @example const exchange = middlewareExchange("github", githubAuth({...}), (c) => c.get("user-github"));
 */
export function middlewareExchange(
  provider: "github" | "discord",
  middleware: MiddlewareHandler,
  user: (c: Context) => unknown,
): (input: CallbackInput) => Promise<Exchanged> {
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
    const parsed = ExchangeResult.safeParse(body);
    if (!parsed.success) throw new DependencyUnavailableError("provider", `${provider} gave an unexpected answer`, { cause: parsed.error });
    return parsed.data;
  };
}

/** Our stored form of the exchanged tokens (expiry as epoch seconds). */
export function providerTokens(x: Exchanged, nowSeconds: number) {
  return {
    accessToken: x.token.token,
    refreshToken: x.refresh?.token || undefined,
    expiresAt: x.token.expires_in ? nowSeconds + x.token.expires_in : undefined,
    // GitHub separates granted scopes with commas (the middleware splits them); we store them space-separated.
    scope: x.scopes?.join(" "),
  };
}
