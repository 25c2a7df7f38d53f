/**
 * Discord. @hono/oauth-providers' `discordAuth` does the code exchange and `GET /oauth2/@me`; we fetch
 * what it does not: `/users/@me` (email + verified), the user's guilds, and member roles in the guilds
 * the rules mention (only those, and only when the user is in them: that endpoint is tightly rate-limited).
 *
 * Quirks handled here: we build the authorize URL ourselves (the middleware's start half sets a shared
 * unsigned `state` cookie and forces `prompt=consent`), and run the middleware through
 * `middlewareExchange`. Discord has no documented PKCE for web apps; state + the signed
 * flow cookie bind the login to the browser.
 */
import { discordAuth } from "@hono/oauth-providers/discord";
import type { Context } from "hono";
import { z } from "zod";
import { middlewareExchange, providerTokens, type Exchanged } from "./middleware-exchange";
import {
  fetchProviderJson,
  ProviderRejectedError,
  type CallbackInput,
  type ExternalIdentity,
  type FlowSecrets,
  type Provider,
} from "./provider";

/** Scopes we ask for. */
export const DISCORD_SCOPES = ["identify", "email", "guilds", "guilds.members.read"] as const;

const API = "https://discord.com/api/v10";

const Me = z.object({
  id: z.string().regex(/^\d+$/),
  username: z.string().min(1),
  avatar: z.string().nullable().optional(),
  email: z.string().nullable().optional(),
  verified: z.boolean().optional(),
});
const Guild = z.object({ id: z.string() });
const Member = z.object({ roles: z.array(z.string()) });

/** Constructor options of {@link DiscordProvider}. */
export interface DiscordOptions {
  clientId: string;
  clientSecret: string;
  issuer: string;
  /** Guild ids whose member roles the rules need. */
  guildsOfInterest?: readonly string[];
}

/**
 * Guilds and roles (for the guilds of interest the user is in) with a user token.
 * @example const facts = await fetchDiscordFacts(token, ["81384788765712384"], signal);
 */
export async function fetchDiscordFacts(
  token: string,
  guildsOfInterest: readonly string[],
  signal: AbortSignal,
): Promise<{ guilds: string[]; roles: Record<string, string[]> }> {
  const guilds = (await fetchProviderJson("discord", `${API}/users/@me/guilds`, z.array(Guild), { token, signal })).map((g) => g.id);
  const wanted = guildsOfInterest.filter((id) => guilds.includes(id));
  const members = await Promise.all(
    wanted.map((id) =>
      fetchProviderJson("discord", `${API}/users/@me/guilds/${id}/member`, Member, { token, signal }).catch((err: unknown) => {
        // 404: the user left the guild between the two calls — a fact (no membership), not a refused token.
        if (err instanceof ProviderRejectedError && err.status === 404) return null;
        throw err;
      }),
    ),
  );
  const roles: Record<string, string[]> = {};
  wanted.forEach((id, i) => {
    const member = members[i];
    if (member) roles[id] = member.roles;
  });
  return { guilds: guilds.filter((id) => !wanted.includes(id) || roles[id] !== undefined), roles };
}

/**
 * The Discord connector.
 * @example new DiscordProvider({ clientId, clientSecret, issuer, guildsOfInterest: ["81384788765712384"] })
 */
export class DiscordProvider implements Provider {
  readonly id = "discord" as const;
  readonly label = "Discord";
  readonly #opts: DiscordOptions;
  readonly #exchange: (input: CallbackInput) => Promise<Exchanged>;

  constructor(opts: DiscordOptions) {
    this.#opts = opts;
    this.#exchange = middlewareExchange(
      "discord",
      discordAuth({ client_id: opts.clientId, client_secret: opts.clientSecret, scope: [...DISCORD_SCOPES], redirect_uri: this.redirectUri }),
      () => undefined, // we fetch /users/@me ourselves: the middleware's @me lacks the email
    );
  }

  /** The redirect URI registered at Discord. */
  get redirectUri(): string {
    return `${this.#opts.issuer}/auth/discord/callback`;
  }

  start(c: Context, flow: FlowSecrets): Response {
    const url = new URL("https://discord.com/oauth2/authorize");
    url.searchParams.set("response_type", "code");
    url.searchParams.set("client_id", this.#opts.clientId);
    url.searchParams.set("scope", DISCORD_SCOPES.join(" "));
    url.searchParams.set("redirect_uri", this.redirectUri);
    url.searchParams.set("state", flow.state);
    // Skip the consent screen when the user already granted these scopes.
    url.searchParams.set("prompt", "none");
    return c.redirect(url.href, 302);
  }

  async callback(_c: Context, input: CallbackInput): Promise<ExternalIdentity> {
    const exchanged = await this.#exchange(input);
    const token = exchanged.token;

    const [me, facts] = await Promise.all([
      fetchProviderJson("discord", `${API}/users/@me`, Me, { token: token.token, signal: input.signal }),
      fetchDiscordFacts(token.token, this.#opts.guildsOfInterest ?? [], input.signal),
    ]);
    const verified = me.verified === true && !!me.email;
    const now = Math.floor(Date.now() / 1000);
    return {
      provider: "discord",
      subject: me.id,
      username: me.username,
      email: verified ? (me.email ?? undefined) : undefined,
      emailVerified: verified,
      avatar: me.avatar ? `https://cdn.discordapp.com/avatars/${me.id}/${me.avatar}.png` : undefined,
      facts: { provider: "discord", guilds: facts.guilds, roles: facts.roles },
      tokens: providerTokens(exchanged, now),
    };
  }
}
