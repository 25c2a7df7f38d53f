/**
 * Discord login. @hono/oauth-providers' `discordAuth` does the code exchange and `GET /oauth2/@me`; we
 * fetch what it does not: `/users/@me` (email + verified), the user's guilds, and member roles in the
 * guilds the rules mention (only those, and only when the user is in them: that endpoint is tightly
 * rate-limited).
 *
 * Quirks handled here: we build the authorize URL ourselves (the middleware's start half sets a shared
 * unsigned `state` cookie and forces `prompt=consent`), and run the middleware through
 * `middlewareCodeExchange`. Discord has no documented PKCE for web apps; state + the signed
 * flow cookie bind the login to the browser.
 */
import { discordAuth } from "@hono/oauth-providers/discord";
import type { Context } from "hono";
import { z } from "zod";
import type { CallbackInput, ExternalIdentity, FlowSecrets, Provider } from "../../src/domain";
import { middlewareCodeExchange, providerTokens, type CodeExchanged } from "../middleware-code-exchange";
import type { PlatformCallObserver } from "../fetch";
import { authorizeRedirect, type OAuthClientCredentials } from "../oauth";
import { avatarUrl, discordApi, DISCORD_AS, fetchDiscordFacts } from "./api";

/** Scopes we ask for. */
export const DISCORD_SCOPES = ["identify", "email", "guilds", "guilds.members.read"] as const;

const Me = z.object({
  id: z.string().regex(/^\d+$/),
  username: z.string().min(1),
  avatar: z.string().nullable().optional(),
  email: z.string().nullable().optional(),
  verified: z.boolean().optional(),
});

/** Constructor options of {@link DiscordProvider}. */
export interface DiscordOptions extends OAuthClientCredentials {
  issuer: string;
  /** Guild ids whose member roles the rules need. */
  guildsOfInterest?: readonly string[];
  /** Told about each Discord API call (metrics). */
  observe?: PlatformCallObserver | undefined;
}

/**
 * The Discord login connector.
 * @example new DiscordProvider({ clientId, clientSecret, issuer, guildsOfInterest: ["81384788765712384"] })
 */
export class DiscordProvider implements Provider {
  readonly id = "discord" as const;
  readonly label = "Discord";
  readonly #opts: DiscordOptions;
  readonly #exchange: (input: CallbackInput) => Promise<CodeExchanged>;

  constructor(opts: DiscordOptions) {
    this.#opts = opts;
    this.#exchange = middlewareCodeExchange(
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
    return authorizeRedirect(c, DISCORD_AS, {
      response_type: "code",
      client_id: this.#opts.clientId,
      scope: DISCORD_SCOPES.join(" "),
      redirect_uri: this.redirectUri,
      state: flow.state,
      // Skip the consent screen when the user already granted these scopes.
      prompt: "none",
    });
  }

  async callback(_c: Context, input: CallbackInput): Promise<ExternalIdentity> {
    const exchanged = await this.#exchange(input);
    const token = exchanged.token;

    const [me, facts] = await Promise.all([
      discordApi("/users/@me", Me, { token: token.token, signal: input.signal, observe: this.#opts.observe }),
      fetchDiscordFacts(token.token, this.#opts.guildsOfInterest ?? [], input.signal, this.#opts.observe),
    ]);
    const verified = me.verified === true && !!me.email;
    const now = Math.floor(Date.now() / 1000);
    return {
      provider: "discord",
      subject: me.id,
      username: me.username,
      email: verified ? (me.email ?? undefined) : undefined,
      emailVerified: verified,
      avatar: avatarUrl(me.id, me.avatar),
      facts: { provider: "discord", guilds: facts.guilds, roles: facts.roles },
      tokens: providerTokens(exchanged, now),
    };
  }
}
