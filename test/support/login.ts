/**
 * Driving the whole authorization-code flow as a browser and a client would: `/authorize` → provider
 * (msw fake) → our callback → client redirect, then the code at `/token`.
 */
import { createHash, randomBytes } from "node:crypto";
import type { FakeBrowser } from "./fakes";

/** A PKCE pair (S256). */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** Follow redirects until one leaves for `stopAt` (the client's redirect URI); returns that URL or the last answer. */
export async function followUntil(browser: FakeBrowser, url: string, stopAt: string, maxHops = 12): Promise<{ landed?: URL; res?: Response; visited: string[] }> {
  const visited: string[] = [];
  let next = url;
  for (let hop = 0; hop < maxHops; hop++) {
    visited.push(next);
    const res = await browser.request(next);
    const loc = res.headers.get("location");
    if (res.status < 300 || res.status >= 400 || !loc) return { res, visited };
    next = new URL(loc, next).href;
    if (next.startsWith(stopAt)) return { landed: new URL(next), visited: [...visited, next] };
  }
  throw new Error(`too many redirects: ${visited.join(" -> ")}`);
}

/** The `/authorize` URL for a client. */
export function authorizeUrl(issuer: string, params: Record<string, string>): string {
  const u = new URL(`${issuer}/authorize`);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.href;
}
