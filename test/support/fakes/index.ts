/**
 * The platform fakes in one place: a world with GitHub, Discord and Slack, the msw server that serves
 * them (platform hosts only; loopback and everything else pass through), the env that points our config
 * at the fake clients, and a tiny cookie-keeping "browser" that follows redirects by hand.
 *
 * @example
 * const world = await createWorld("http://localhost:8787");
 * const server = startFakes(world); // afterAll(() => server.close())
 * world.github.users.set(1, { id: 1, login: "octo", emails: [], orgs: ["acme"], teams: [] });
 * world.github.browser.userId = 1;
 * const browser = new FakeBrowser(app, "http://localhost:8787");
 * const res = await browser.follow("http://localhost:8787/auth/github/start"); // ends at our callback's answer
 */
import { setupServer, type SetupServer } from "msw/node";
import { createDiscordWorld, discordHandlers, type DiscordWorld } from "./discord";
import { createGitHubWorld, githubHandlers, type GitHubWorld } from "./github";
import { createSlackWorld, slackHandlers, type SlackWorld } from "./slack";

export type { Outage } from "./common";
export type { FakeDiscordUser, DiscordWorld } from "./discord";
export type { FakeGitHubUser, GitHubWorld } from "./github";
export type { FakeSlackBot, FakeSlackUser, SlackWorld } from "./slack";

/** Client credentials the fakes accept. */
export const FAKE_CLIENTS = {
  github: { id: "gh-client-id", secret: "gh-client-secret" },
  discord: { id: "100000000000000001", secret: "discord-client-secret" },
  slack: { id: "1111.2222", secret: "slack-client-secret" },
} as const;

/** All three platforms. */
export interface World {
  github: GitHubWorld;
  discord: DiscordWorld;
  slack: SlackWorld;
}

/** A fresh world whose registered redirect URIs are `${issuer}/auth/{p}/callback`. */
export async function createWorld(issuer: string): Promise<World> {
  const cb = (p: string) => `${issuer}/auth/${p}/callback`;
  return {
    github: await createGitHubWorld({ clientId: FAKE_CLIENTS.github.id, clientSecret: FAKE_CLIENTS.github.secret, redirectUri: cb("github") }),
    discord: createDiscordWorld({ clientId: FAKE_CLIENTS.discord.id, clientSecret: FAKE_CLIENTS.discord.secret, redirectUri: cb("discord") }),
    slack: await createSlackWorld({ clientId: FAKE_CLIENTS.slack.id, clientSecret: FAKE_CLIENTS.slack.secret, redirectUri: cb("slack") }),
  };
}

/** Environment variables enabling the three connectors with the fake clients. */
export function fakeProviderEnv(): Record<string, string> {
  return {
    GITHUB_CLIENT_ID: FAKE_CLIENTS.github.id,
    GITHUB_CLIENT_SECRET: FAKE_CLIENTS.github.secret,
    DISCORD_CLIENT_ID: FAKE_CLIENTS.discord.id,
    DISCORD_CLIENT_SECRET: FAKE_CLIENTS.discord.secret,
    SLACK_CLIENT_ID: FAKE_CLIENTS.slack.id,
    SLACK_CLIENT_SECRET: FAKE_CLIENTS.slack.secret,
  };
}

/** Start msw with the world's handlers. Unhandled requests (our own servers on loopback) pass through. */
export function startFakes(world: World): SetupServer {
  const server = setupServer(...githubHandlers(world.github), ...discordHandlers(world.discord), ...slackHandlers(world.slack));
  server.listen({ onUnhandledRequest: "bypass" });
  return server;
}

/** Anything with a fetch: a Hono app, or a wrapper around a real server. */
export interface Fetcher {
  fetch(request: Request): Response | Promise<Response>;
}

/**
 * A minimal browser: keeps our origin's cookies (name, value, path; Max-Age=0 deletes), sends requests
 * for our origin to `app` and everything else to global fetch (msw), and never follows redirects itself.
 */
export class FakeBrowser {
  readonly cookies = new Map<string, { value: string; path: string }>();
  constructor(
    private readonly app: Fetcher,
    readonly origin: string,
  ) {}

  /** One request; stores cookies our origin sets. */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const u = new URL(url);
    if (u.origin !== this.origin) return fetch(url, { ...init, redirect: "manual" });
    const headers = new Headers(init.headers);
    const jar = [...this.cookies].filter(([, c]) => u.pathname.startsWith(c.path)).map(([n, c]) => `${n}=${c.value}`);
    if (jar.length > 0) headers.set("Cookie", jar.join("; "));
    const res = await this.app.fetch(new Request(url, { ...init, headers, redirect: "manual" }));
    for (const line of res.headers.getSetCookie()) this.#store(line);
    return res;
  }

  /** Follow redirects by hand (GET) until a non-redirect answer; `visited` lists every URL. */
  async follow(url: string, maxHops = 10): Promise<{ res: Response; visited: string[] }> {
    const visited: string[] = [];
    let next = url;
    for (let hop = 0; hop < maxHops; hop++) {
      visited.push(next);
      const res = await this.request(next);
      const loc = res.headers.get("location");
      if (res.status < 300 || res.status >= 400 || !loc) return { res, visited };
      next = new URL(loc, next).href;
    }
    throw new Error(`too many redirects: ${visited.join(" -> ")}`);
  }

  /** The stored value of one of our origin's cookies. */
  cookie(name: string): string | undefined {
    return this.cookies.get(name)?.value;
  }

  #store(line: string): void {
    const [pair, ...attrs] = line.split(";").map((s) => s.trim());
    const eq = pair?.indexOf("=") ?? -1;
    if (!pair || eq < 1) return;
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const attr = (k: string) => attrs.find((a) => a.toLowerCase().startsWith(`${k}=`))?.split("=")[1];
    if (attr("max-age") === "0" || value === "") this.cookies.delete(name);
    else this.cookies.set(name, { value, path: attr("path") ?? "/" });
  }
}
