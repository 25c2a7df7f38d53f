/**
 * A fake Discord for msw, driven by a world object: OAuth authorize and token endpoints (authorization
 * code, and refresh_token with rotation), `oauth2/@me`, `users/@me` (Bearer for users, `Bot` for bots),
 * `users/@me/guilds` and `users/@me/guilds/{id}/member`.
 * Serves both the unversioned `/api` (what @hono/oauth-providers calls) and `/api/v10`.
 */
import { http, HttpResponse, type HttpHandler } from "msw";
import { bearer, hang, outage, randomToken, readParams, redirect, type Outage } from "./common";

/** One Discord user and their guild memberships. */
export interface FakeDiscordUser {
  id: string;
  username: string;
  globalName?: string;
  avatar?: string;
  email?: string;
  verified: boolean;
  guilds: { id: string; name: string; roles: string[] }[];
}

/** The world of the fake Discord. */
export interface DiscordWorld {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  users: Map<string, FakeDiscordUser>;
  browser: { userId: string | undefined; consent: "allow" | "deny" };
  codes: Map<string, { userId: string; scope: string; redirectUri: string }>;
  tokens: Map<string, { userId: string; scope: string }>;
  /** Refresh tokens (single use: a refresh rotates them, like Discord). */
  refreshTokens: Map<string, { userId: string; scope: string }>;
  /** `expires_in` of issued access tokens, seconds (Discord: a week). */
  accessTokenTtl: number;
  /** Bot tokens (used with `Authorization: Bot …`), with the guilds the bot is in and its roles there. */
  bots: Map<string, { id: string; username: string; guilds?: { id: string; name?: string; roles: string[] }[] }>;
  revoked: Set<string>;
  outage: Outage;
}

/** A fresh Discord world. */
export function createDiscordWorld(opts: { clientId: string; clientSecret: string; redirectUri: string }): DiscordWorld {
  return {
    ...opts,
    users: new Map(),
    browser: { userId: undefined, consent: "allow" },
    codes: new Map(),
    tokens: new Map(),
    refreshTokens: new Map(),
    accessTokenTtl: 604800,
    bots: new Map(),
    revoked: new Set(),
    outage: "none",
  };
}

const API = ["https://discord.com/api", "https://discord.com/api/v10"];
const unauthorized = () => HttpResponse.json({ message: "401: Unauthorized", code: 0 }, { status: 401 });

/** msw handlers for discord.com. */
export function discordHandlers(w: DiscordWorld): HttpHandler[] {
  const guard = async (req: Request) => (w.outage === "hang" ? hang(req) : w.outage === "down" ? outage() : undefined);
  const userOf = (req: Request) => {
    const token = bearer(req, ["Bearer"]);
    const t = token && !w.revoked.has(token) ? w.tokens.get(token) : undefined;
    return t ? w.users.get(t.userId) : undefined;
  };
  const publicUser = (u: FakeDiscordUser) => ({
    id: u.id,
    username: u.username,
    discriminator: "0",
    global_name: u.globalName ?? null,
    avatar: u.avatar ?? null,
    public_flags: 0,
  });

  return [
    http.get("https://discord.com/oauth2/authorize", async ({ request }) => {
      const down = await guard(request);
      if (down) return down;
      const q = new URL(request.url).searchParams;
      const redirectUri = q.get("redirect_uri") ?? "";
      if (q.get("client_id") !== w.clientId || redirectUri !== w.redirectUri) return new HttpResponse("Invalid OAuth2 redirect_uri", { status: 400 });
      const state = q.get("state") ?? undefined;
      if (w.browser.consent === "deny" || w.browser.userId === undefined) {
        return redirect(redirectUri, { error: "access_denied", error_description: "The resource owner or authorization server denied the request", state });
      }
      const code = randomToken().slice(0, 30);
      w.codes.set(code, { userId: w.browser.userId, scope: q.get("scope") ?? "", redirectUri });
      return redirect(redirectUri, { code, state });
    }),

    ...API.flatMap((base) => [
      http.post(`${base}/oauth2/token`, async ({ request }) => {
        const down = await guard(request);
        if (down) return down;
        const p = await readParams(request);
        if (p.get("client_id") !== w.clientId || p.get("client_secret") !== w.clientSecret) {
          return HttpResponse.json({ error: "invalid_client" }, { status: 401 });
        }
        const issue = (userId: string, scope: string) => {
          const token = randomToken();
          const refresh = randomToken();
          w.tokens.set(token, { userId, scope });
          w.refreshTokens.set(refresh, { userId, scope });
          return HttpResponse.json({ token_type: "Bearer", access_token: token, expires_in: w.accessTokenTtl, refresh_token: refresh, scope });
        };
        if (p.get("grant_type") === "refresh_token") {
          const presented = p.get("refresh_token") ?? "";
          const grant = w.revoked.has(presented) ? undefined : w.refreshTokens.get(presented);
          w.refreshTokens.delete(presented);
          if (!grant) return HttpResponse.json({ error: "invalid_grant", error_description: "Invalid refresh token" }, { status: 400 });
          return issue(grant.userId, grant.scope);
        }
        const code = p.get("code") ?? "";
        const grant = w.codes.get(code);
        w.codes.delete(code);
        if (p.get("grant_type") !== "authorization_code" || !grant || grant.redirectUri !== p.get("redirect_uri")) {
          return HttpResponse.json({ error: "invalid_grant", error_description: 'Invalid "code" in request.' }, { status: 400 });
        }
        return issue(grant.userId, grant.scope);
      }),
      http.get(`${base}/oauth2/@me`, async ({ request }) => {
        const down = await guard(request);
        if (down) return down;
        const u = userOf(request);
        if (!u) return unauthorized();
        const scopes = w.tokens.get(bearer(request, ["Bearer"]) ?? "")?.scope.split(" ") ?? [];
        return HttpResponse.json({ application: { id: w.clientId, name: "authbridge" }, scopes, expires: new Date(Date.now() + 6048e5).toISOString(), user: publicUser(u) });
      }),
      http.get(`${base}/users/@me`, async ({ request }) => {
        const down = await guard(request);
        if (down) return down;
        const botToken = bearer(request, ["Bot"]);
        if (botToken !== undefined) {
          const bot = w.revoked.has(botToken) ? undefined : w.bots.get(botToken);
          return bot ? HttpResponse.json({ id: bot.id, username: bot.username, discriminator: "0", bot: true, avatar: null }) : unauthorized();
        }
        const u = userOf(request);
        if (!u) return unauthorized();
        return HttpResponse.json({ ...publicUser(u), email: u.email ?? null, verified: u.verified, mfa_enabled: false, locale: "en-US" });
      }),
      http.get(`${base}/users/@me/guilds`, async ({ request }) => {
        const down = await guard(request);
        if (down) return down;
        const botToken = bearer(request, ["Bot"]);
        if (botToken !== undefined) {
          const bot = w.revoked.has(botToken) ? undefined : w.bots.get(botToken);
          if (!bot) return unauthorized();
          return HttpResponse.json((bot.guilds ?? []).map((g) => ({ id: g.id, name: g.name ?? g.id, icon: null, owner: false, permissions: "0", features: [] })));
        }
        const u = userOf(request);
        if (!u) return unauthorized();
        return HttpResponse.json(u.guilds.map((g) => ({ id: g.id, name: g.name, icon: null, owner: false, permissions: "0", features: [] })));
      }),
      // Bots read their own membership through the guild members endpoint.
      http.get(`${base}/guilds/:guildId/members/:userId`, async ({ request, params }) => {
        const down = await guard(request);
        if (down) return down;
        const botToken = bearer(request, ["Bot"]);
        const bot = botToken !== undefined && !w.revoked.has(botToken) ? w.bots.get(botToken) : undefined;
        if (!bot) return unauthorized();
        const g = bot.guilds?.find((x) => x.id === params.guildId);
        if (!g) return HttpResponse.json({ message: "Unknown Guild", code: 10004 }, { status: 404 });
        if (params.userId !== bot.id) return HttpResponse.json({ message: "Unknown Member", code: 10007 }, { status: 404 });
        return HttpResponse.json({ user: { id: bot.id, username: bot.username, bot: true }, nick: null, roles: g.roles, joined_at: "2024-01-01T00:00:00.000000+00:00", deaf: false, mute: false });
      }),
      http.get(`${base}/users/@me/guilds/:guildId/member`, async ({ request, params }) => {
        const down = await guard(request);
        if (down) return down;
        const u = userOf(request);
        if (!u) return unauthorized();
        const g = u.guilds.find((x) => x.id === params.guildId);
        if (!g) return HttpResponse.json({ message: "Unknown Guild", code: 10004 }, { status: 404 });
        return HttpResponse.json({ user: publicUser(u), nick: null, roles: g.roles, joined_at: "2024-01-01T00:00:00.000000+00:00", deaf: false, mute: false });
      }),
    ]),
  ];
}
