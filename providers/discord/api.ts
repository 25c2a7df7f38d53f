/**
 * Discord's endpoints and the API calls every Discord capability shares: one declaration of the
 * authorization server and the API base, and the rules-relevant facts of a user token.
 */
import type * as oauth from "oauth4webapi";
import { z } from "zod";
import { ProviderRejectedError } from "../../src/domain";
import { fetchPlatform, type PlatformCallObserver, type PlatformFetchOptions } from "../fetch";

/** Discord's OAuth endpoints. */
export const DISCORD_AS: oauth.AuthorizationServer = {
  issuer: "https://discord.com",
  authorization_endpoint: "https://discord.com/oauth2/authorize",
  token_endpoint: "https://discord.com/api/v10/oauth2/token",
};

const API = "https://discord.com/api/v10";

/**
 * Call the Discord API (user tokens: `Bearer`; bot tokens: `scheme: "Bot"`) and validate the answer.
 * @example const me = await discordApi("/users/@me", Me, { token, signal });
 */
export async function discordApi<S extends z.ZodType>(path: string, schema: S, opts: PlatformFetchOptions): Promise<z.output<S>> {
  return (await fetchPlatform("discord", `${API}${path}`, schema, opts)).data;
}

/**
 * A Discord avatar URL, when the user has one.
 * @example avatarUrl("80351110224678912", "8342729096ea3675442027381ff50dfe")
 */
export function avatarUrl(id: string, avatar: string | null | undefined): string | undefined {
  return avatar ? `https://cdn.discordapp.com/avatars/${id}/${avatar}.png` : undefined;
}

const Guild = z.object({ id: z.string() });
const Member = z.object({ roles: z.array(z.string()) });

/**
 * Guilds and roles (for the guilds of interest the user is in) with a user token.
 * @example const facts = await fetchDiscordFacts(token, ["81384788765712384"], signal, observe);
 */
export async function fetchDiscordFacts(
  token: string,
  guildsOfInterest: readonly string[],
  signal: AbortSignal,
  observe?: PlatformCallObserver,
): Promise<{ guilds: string[]; roles: Record<string, string[]> }> {
  const guilds = (await discordApi("/users/@me/guilds", z.array(Guild), { token, signal, observe })).map((g) => g.id);
  const wanted = guildsOfInterest.filter((id) => guilds.includes(id));
  const members = await Promise.all(
    wanted.map((id) =>
      discordApi(`/users/@me/guilds/${id}/member`, Member, { token, signal, observe }).catch((err: unknown) => {
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
