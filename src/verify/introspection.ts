/**
 * One RFC 7662 call to the issuer's `/introspect`, as the API's own confidential client. Shared by the
 * JWT revocation check (introspect mode) and the API key path, so both authenticate, time out and
 * classify failures the same way: anything but a 200 with a JSON object holding a boolean `active` is
 * VerifierUnavailable (503) — the credential was neither accepted nor refused.
 */
import { VerifierUnavailable } from "./challenge";

/** Where and as whom to introspect. */
export interface IntrospectionEndpoint {
  url: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}

/** An introspection answer: `active`, plus whatever else the issuer said (unchecked). */
export type IntrospectionAnswer = { active: boolean } & Record<string, unknown>;

/** Asks the endpoint about one credential; rejects with VerifierUnavailable. */
export type Introspect = (token: string, tokenTypeHint: string) => Promise<IntrospectionAnswer>;

/**
 * Workers tie I/O to the request that started it and warn (or cancel) when another request waits on it,
 * so concurrent requests share one introspection call on Node only (jose makes the same choice).
 */
export const SHARE_ACROSS_REQUESTS = !(typeof navigator !== "undefined" && navigator.userAgent === "Cloudflare-Workers");

function basicAuth(id: string, secret: string): string {
  // RFC 6749 §2.3.1: form-urlencode both parts before Base64.
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");
  const bytes = new TextEncoder().encode(`${enc(id)}:${enc(secret)}`);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return `Basic ${btoa(bin)}`;
}

/**
 * The caller for one endpoint (the Basic header is built once).
 * @example const introspect = introspector(endpoint); const { active } = await introspect(token, "access_token");
 */
export function introspector(e: IntrospectionEndpoint): Introspect {
  const authorization = basicAuth(e.clientId, e.clientSecret);
  return async (token, tokenTypeHint) => {
    let res: Response;
    try {
      res = await fetch(e.url, {
        method: "POST",
        headers: { authorization, "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: new URLSearchParams({ token, token_type_hint: tokenTypeHint }).toString(),
        redirect: "manual",
        signal: AbortSignal.timeout(e.timeoutMs),
      });
    } catch (cause) {
      throw new VerifierUnavailable("token introspection did not answer", { cause });
    }
    // A 401 here means OUR client credentials are wrong: a deployment problem, not the caller's token.
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new VerifierUnavailable(`token introspection answered ${res.status}`);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch (cause) {
      throw new VerifierUnavailable("token introspection answered with malformed JSON", { cause });
    }
    if (typeof body !== "object" || body === null || Array.isArray(body) || typeof (body as { active?: unknown }).active !== "boolean")
      throw new VerifierUnavailable('token introspection answered without "active"');
    return body as IntrospectionAnswer;
  };
}
