/**
 * `GET /authorize`: the authorization-code flow with PKCE S256 (required) and exact redirect_uri matching.
 * Errors about the client or its redirect_uri are shown as a page and NEVER redirected (the URI is not
 * trusted); other errors go back to the registered redirect_uri with `state` and `iss` (RFC 9207).
 *
 * The client is a registered one, or — when AUTHBRIDGE_CIMD admits it — a `client_id` URL whose metadata
 * document is fetched. `resource` (RFC 8707) picks the audience (see audience.ts); a registered resource
 * narrows the scopes to those it understands, and for third-party clients the request is narrowed here,
 * before the consent screen shows it, to exactly what the code will stand for.
 *
 * The validated request waits in the state store while the person signs in at a provider; `/authorize/resume`
 * takes it once, with the bridge session. Third-party clients then need the person's consent (consent.ts)
 * before the answer: a code.
 *
 * OpenID Connect's parameters (oidc/authorize-params.ts): `prompt=none` answers `login_required` or
 * `consent_required` instead of any page; `prompt=login` and a session older than `max_age` sign in again;
 * `login_hint` naming a platform picks it; `nonce` goes with the code into the ID token.
 */
import { Hono, type Context } from "hono";
import type { Provider } from "../domain";
import { touchDynamicClient } from "../clients/dynamic";
import { isMetadataDocumentId } from "../clients/metadata-document";
import { isFirstParty, type Client } from "../clients/registry";
import type { AppDeps } from "../deps";
import { OAuthError } from "../errors";
import { randomToken } from "../lib/ids";
import { limitAddress } from "../ratelimit/middleware";
import { currentSession, type BrowserSession } from "../session/session";
import { chooserPage } from "../ui/chooser";
import { errorPage } from "../ui/error-page";
import type { Target } from "./audience";
import { askConsent, needsConsent } from "./consent";
import { parseScope } from "./form";
import { answerWithCode, PendingRequest, redirectToClient } from "./pending";
import { isValidChallenge } from "./pkce";
import { readOidcRequest, sessionSatisfies } from "../oidc/authorize-params";
import { askedIdentityScopes } from "../oidc/scopes";
import { choosePersonTarget } from "../oidc/target";

/** How long a person may take to sign in at the provider (seconds). */
const REQUEST_TTL = 600;

/** The client behind `client_id`, or why there is none, in words for the error page. */
async function lookUpClient(deps: AppDeps, clientId: string, redirectParam: string | undefined): Promise<Client | string> {
  const unknown = "The application that sent you here is not registered.";
  if (isMetadataDocumentId(clientId)) {
    if (!deps.metadataDocuments) return unknown;
    // A redirect URI the cached document lacks is a miss: the client may have just added it.
    const resolved = await deps.metadataDocuments.resolve(clientId, { refetchUnless: (c) => redirectParam === undefined || c.redirectUris.includes(redirectParam) });
    return resolved.ok ? resolved.client : `The application's client metadata document could not be used: ${resolved.reason}.`;
  }
  const client = await deps.findClient(clientId);
  return client && client.disabledAt === null ? client : unknown;
}

/**
 * The scopes a code will stand for. A registered resource keeps only what it understands (all of them when
 * nothing was asked) — and, in an OpenID Connect request, the identity scopes asked for, which are this
 * server's own (the access token still carries only the resource's); asking only for others is
 * `invalid_scope`, never a token with everything. For a
 * third-party client, also its own scope limit, and never "nothing asked, everything entitled": the
 * consent screen must show a definite list.
 */
function requestScopes(asked: string[], target: Target, client: Client): string[] {
  let scopes = asked;
  if (target.resource) {
    const understood = new Set([...target.resource.scopes, ...askedIdentityScopes(asked)]);
    scopes = asked.length > 0 ? asked.filter((s) => understood.has(s)) : target.resource.scopes;
    if (scopes.length === 0) throw new OAuthError("invalid_scope", `none of the requested scopes is understood by ${target.resource.name}`);
  }
  if (isFirstParty(client)) return scopes;
  if (client.scopes.length > 0) scopes = (scopes.length > 0 ? scopes : client.scopes).filter((s) => client.scopes.includes(s));
  if (scopes.length === 0) throw new OAuthError("invalid_scope", "ask for at least one scope this application may have");
  return scopes;
}

/** Answer a request for a signed-in person: the consent screen when one is needed, else a code. */
async function finish(c: Context, deps: AppDeps, client: Client, req: PendingRequest, session: BrowserSession): Promise<Response> {
  if (await needsConsent(deps, client, req, session.accountId)) return askConsent(c, deps, client, req, session);
  return answerWithCode(c, deps, req, session);
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
    const found = clientId ? await lookUpClient(deps, clientId, redirectParam) : "The application that sent you here did not say who it is.";
    if (typeof found === "string") return errorPage(c, { status: 400, title: "Unknown application", message: found });
    const client = found;
    const redirectUri = redirectParam ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
    // Exact string comparison: no normalisation, no prefix or pattern matching.
    if (!redirectUri || !client.redirectUris.includes(redirectUri))
      return errorPage(c, { status: 400, title: "Invalid redirect", message: "The redirect address does not match the application's registration." });

    // A repeated state is refused without echoing either value (which one the client meant is unknown).
    const state = q.state && q.state.length > 1 ? undefined : q.state?.[0];
    const fail = (error: string, description: string) => redirectToClient(c, issuer, redirectUri, { error, error_description: description, state });
    if (q.state && q.state.length > 1) return fail("invalid_request", "parameter state given more than once");
    try {
      if (one("response_type") !== "code") return fail("unsupported_response_type", "response_type must be code");
      if (!client.grants.includes("authorization_code")) return fail("unauthorized_client", "this client may not use the authorization code flow");
      const challenge = one("code_challenge");
      if (!challenge) return fail("invalid_request", "PKCE is required: send code_challenge with code_challenge_method=S256");
      if (one("code_challenge_method") !== "S256" || !isValidChallenge(challenge)) return fail("invalid_request", "code_challenge_method must be S256 with a 43-character challenge");
      const asked = parseScope(one("scope"));
      const target = await choosePersonTarget(deps, client, q.resource ?? [], asked);
      const scopes = requestScopes(asked, target, client);
      const oidc = readOidcRequest(one, new Set(providers.keys()));
      if ("error" in oidc) return fail(oidc.error, oidc.description);
      const now = deps.now();
      const freshSignIn = oidc.login || oidc.maxAge !== undefined;
      const pending: PendingRequest = {
        clientId: client.id,
        redirectUri,
        redirectUriSent: redirectParam !== undefined,
        codeChallenge: challenge,
        state,
        scopes,
        aud: target.aud,
        promptConsent: oidc.consent,
        ...(oidc.nonce !== undefined ? { nonce: oidc.nonce } : {}),
      };
      await touchDynamicClient(deps.db, client, now);
      const current = await currentSession(c, deps);
      const session = current && sessionSatisfies(oidc, current.createdAt, now) ? current : null;
      if (session) {
        if (oidc.none && (await needsConsent(deps, client, pending, session.accountId))) return fail("consent_required", "the person has not consented to this request");
        return finish(c, deps, client, pending, session);
      }
      if (oidc.none) return fail("login_required", "the person must sign in");
      // A sign-in demanded afresh must be one that happens from now on, not the session already there.
      if (current && freshSignIn) pending.signInAfter = now;

      // Checked before anything is stored: a request that cannot go anywhere writes nothing.
      const wanted = one("provider") ?? oidc.loginHintPlatform;
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
    // A request that demanded a fresh sign-in is answered only by a session started for it.
    if (!parsed?.success || (parsed.data.signInAfter !== undefined && session.createdAt < parsed.data.signInAfter))
      return errorPage(c, { status: 400, title: "Sign-in expired", message: "This sign-in request has expired or was already used. Please return to the application and try again." });
    // Looked up again: the client may have been disabled (or its document withdrawn) while the person signed in.
    const client = await deps.findClient(parsed.data.clientId);
    if (!client || client.disabledAt !== null || !client.redirectUris.includes(parsed.data.redirectUri))
      return errorPage(c, { status: 400, title: "Unknown application", message: "The application that sent you here is no longer registered." });
    return finish(c, deps, client, parsed.data, session);
  });

  return app;
}
