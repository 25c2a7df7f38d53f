/**
 * What both peer servers need to take part in the benchmark: a browser's walk through their authorization
 * endpoint to the code (cookies kept by hand, redirects followed one by one), a PKCE pair, and the child
 * ops every benchmark server answers (`issue` refresh tokens, `stats`).
 */
import { createHash, randomBytes } from "node:crypto";

/** A PKCE S256 pair. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/**
 * Follow the authorization flow from `start` until it redirects to `redirectUri`; returns the code.
 * @example const code = await codeFrom(`${issuer}/auth?${query}`, "http://127.0.0.1/cb");
 */
export async function codeFrom(start: string, redirectUri: string, maxHops = 10): Promise<string> {
  const jar = new Map<string, string>();
  let url = start;
  for (let hop = 0; hop < maxHops; hop++) {
    const res = await fetch(url, { redirect: "manual", headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    const loc = res.headers.get("location");
    if (!loc) throw new Error(`flow stopped at ${url}: ${res.status} ${await res.text()}`);
    const next = new URL(loc, url);
    if (next.href.startsWith(redirectUri)) {
      const code = next.searchParams.get("code");
      if (!code) throw new Error(`no code: ${next.href}`);
      return code;
    }
    url = next.href;
  }
  throw new Error("too many redirects");
}

/** The refresh token of a token endpoint's JSON answer, or an error naming what came back. */
export async function refreshTokenOf(res: Response): Promise<string> {
  const body = (await res.json()) as { refresh_token?: string };
  if (!body.refresh_token) throw new Error(`no refresh token: ${JSON.stringify(body)}`);
  return body.refresh_token;
}

/** The ops of a benchmark server child: `issue` {count} refresh tokens through `seed`, `stats` its CPU. */
export function peerOps(seed: () => Promise<string>): Record<string, (arg: unknown) => unknown> {
  return {
    async issue(arg) {
      const count = Math.max(0, Number((arg as { count?: number } | undefined)?.count ?? 0));
      const tokens: string[] = [];
      for (let i = 0; i < count; i++) tokens.push(await seed());
      return tokens;
    },
    stats() {
      const cpu = process.cpuUsage();
      return { cpuMicros: cpu.user + cpu.system };
    },
  };
}
