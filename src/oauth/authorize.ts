/**
 * `GET /authorize`: the authorization-code flow with PKCE S256 (required) and exact redirect_uri matching.
 * Errors about the client or its redirect_uri are shown as a page and NEVER redirected (the URI is not
 * trusted); other errors go back to the registered redirect_uri with `state` and `iss` (RFC 9207).
 *
 * The validated request waits in the state store while the person signs in at a provider; `/authorize/resume`
 * takes it once, with the bridge session, and answers the client with a code.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { Provider } from "../domain";
import { findClient } from "../clients/registry";
import type { AppDeps } from "../deps";
import { OAuthError } from "../errors";
import { randomToken } from "../lib/ids";
import { limitAddress } from "../ratelimit/middleware";
import { currentSession } from "../session/session";
import { chooserPage } from "../ui/chooser";
import { errorPage } from "../ui/error-page";
import { chooseAudience } from "./audience";
import { issueCode } from "./codes";
import { parseScope } from "./form";
import { isValidChallenge } from "./pkce";

/** How long a person may take to sign in at the provider (seconds). */
const REQUEST_TTL = 600;

const PendingRequest = z.object({
  clientId: z.string(),
  redirectUri: z.string(),
  redirectUriSent: z.boolean(),
  codeChallenge: z.string(),
  state: z.string().optional(),
  scopes: z.array(z.string()),
  aud: z.string(),
});
type PendingRequest = z.infer<typeof PendingRequest>;

function redirectWith(c: Context, issuer: string, redirectUri: string, params: Record<string, string | undefined>): Response {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  url.searchParams.set("iss", issuer);
  // 302 (never 307): the browser must not re-send anything to the client.
  return c.redirect(url.toString(), 302);
}

async function finish(c: Context, deps: AppDeps, req: PendingRequest, session: { sid: string; accountId: string }): Promise<Response> {
  const code = await issueCode(deps, {
    clientId: req.clientId,
    redirectUri: req.redirectUri,
    redirectUriSent: req.redirectUriSent,
    codeChallenge: req.codeChallenge,
    accountId: session.accountId,
    sid: session.sid,
    scopes: req.scopes,
    aud: req.aud,
  });
  c.header("Cache-Control", "no-store");
  return redirectWith(c, deps.config.issuer, req.redirectUri, { code, state: req.state });
}

/** Routes: `/authorize` and `/authorize/resume`. */
export function authorizeRoutes(deps: AppDeps, providers: ReadonlyMap<string, Provider>) {
  const app = new Hono();
  const { issuer } = deps.config;

  app.get("/authorize", async (c) => {
    const q = c.req.queries();
    const one = (k: string): string | undefined => {
      const v = q[k];
      if (v && v.length > 1) throw new OAuthError("invalid_request", `parameter ${k} given more than once`);
      return v?.[0] || undefined;
    };
    let clientId: string | undefined;
    let redirectParam: string | undefined;
    try {
      clientId = one("client_id");
      redirectParam = one("redirect_uri");
    } catch {
      return errorPage(c, { status: 400, title: "Invalid request", message: "client_id and redirect_uri may appear only once." });
    }
    const client = clientId ? await findClient(deps.db, clientId) : undefined;
    if (!client || client.disabledAt !== null)
      return errorPage(c, { status: 400, title: "Unknown application", message: "The application that sent you here is not registered." });
    const redirectUri = redirectParam ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
    // Exact string comparison: no normalisation, no prefix or pattern matching.
    if (!redirectUri || !client.redirectUris.includes(redirectUri))
      return errorPage(c, { status: 400, title: "Invalid redirect", message: "The redirect address does not match the application's registration." });

    // A repeated state is refused without echoing either value (which one the client meant is unknown).
    const state = q.state && q.state.length > 1 ? undefined : q.state?.[0];
    const fail = (error: string, description: string) => redirectWith(c, issuer, redirectUri, { error, error_description: description, state });
    if (q.state && q.state.length > 1) return fail("invalid_request", "parameter state given more than once");
    let scopes: string[];
    let aud: string;
    try {
      if (one("response_type") !== "code") return fail("unsupported_response_type", "response_type must be code");
      if (!client.grants.includes("authorization_code")) return fail("unauthorized_client", "this client may not use the authorization code flow");
      const challenge = one("code_challenge");
      if (!challenge) return fail("invalid_request", "PKCE is required: send code_challenge with code_challenge_method=S256");
      if (one("code_challenge_method") !== "S256" || !isValidChallenge(challenge)) return fail("invalid_request", "code_challenge_method must be S256 with a 43-character challenge");
      scopes = parseScope(one("scope"));
      aud = chooseAudience(client, q.resource ?? [], deps.config.audience);
      const pending: PendingRequest = { clientId: client.id, redirectUri, redirectUriSent: redirectParam !== undefined, codeChallenge: challenge, state, scopes, aud };
      const session = one("prompt") === "login" ? null : await currentSession(c, deps);
      if (session) return finish(c, deps, pending, session);

      // Checked before anything is stored: a request that cannot go anywhere writes nothing.
      const wanted = one("provider");
      if (wanted && !providers.has(wanted)) return fail("invalid_request", "unknown or disabled provider");
      // Each call from here on stores a pending request for an unauthenticated caller: limited per address.
      const limited = await limitAddress(c, deps, deps.rateLimiter, { name: "authorize", limit: Math.ceil(deps.config.rateLimitPerMinute / 10), windowSeconds: 60 });
      if (limited) return limited;
      const id = randomToken(24);
      await deps.store.put(`authz:${id}`, JSON.stringify(pending), REQUEST_TTL);
      const returnTo = `/authorize/resume?req=${id}`;
      const startUrl = (p: string) => `/auth/${p}/start?intent=login&return_to=${encodeURIComponent(returnTo)}`;
      if (wanted) return c.redirect(startUrl(wanted), 302);
      return chooserPage(
        c,
        client.name,
        [...providers.values()].map((p) => ({ label: p.label, href: startUrl(p.id) })),
      );
    } catch (e) {
      if (e instanceof OAuthError) return fail(e.code, e.description);
      throw e;
    }
  });

  app.get("/authorize/resume", async (c) => {
    const id = c.req.query("req") ?? "";
    const session = await currentSession(c, deps);
    if (!session || !/^[A-Za-z0-9_-]{32}$/.test(id))
      return errorPage(c, { status: 400, title: "Sign-in not completed", message: "This sign-in has expired or was not completed. Please return to the application and try again." });
    const raw = await deps.store.take(`authz:${id}`);
    const parsed = raw ? PendingRequest.safeParse(JSON.parse(raw)) : undefined;
    if (!parsed?.success)
      return errorPage(c, { status: 400, title: "Sign-in expired", message: "This sign-in request has expired or was already used. Please return to the application and try again." });
    return finish(c, deps, parsed.data, session);
  });

  return app;
}
