/**
 * Consent for third-party clients (every client an operator did not create): before a code is issued, the
 * person must have approved this client, for this resource (the token's audience), for at least these
 * scopes. Otherwise the request waits in the state store and the consent screen asks; its form posts to
 * `/authorize/consent`, CSRF-checked twice (hono/csrf, and the session-bound form token), and is answered
 * with a code (Approve, remembered) or `access_denied` (Deny) at the client's redirect URI.
 */
import { Hono, type Context } from "hono";
import { csrf } from "hono/csrf";
import { getEntitlements } from "../accounts/entitlements";
import { listIdentities } from "../accounts/identities";
import { isFirstParty, type Client } from "../clients/registry";
import { isMetadataDocumentId } from "../clients/metadata-document";
import { covers, findConsent, recordConsent } from "../consent/consents";
import type { AppDeps } from "../deps";
import { randomToken } from "../lib/ids";
import { isLoopbackHost } from "../lib/loopback";
import { identityScopeWords, isSignInOnly, signInResource } from "../oidc/sign-in-target";
import { isOpenIdGrant, withAskedIdentityScopes } from "../oidc/scopes";
import { resourceLookup } from "../resources/lookup";
import { describeScope } from "../resources/resource";
import { checkCsrfToken, csrfToken } from "../session/csrf";
import { currentSession, type BrowserSession } from "../session/session";
import { consentHeaders, consentPage } from "../ui/consent-page";
import { errorPage } from "../ui/error-page";
import { answerWithCode, PendingRequest, redirectToClient } from "./pending";
import { z } from "zod";

/** How long the consent screen may stay open (seconds). */
const CONSENT_TTL = 600;

const AwaitingConsent = PendingRequest.extend({ accountId: z.string(), sid: z.string() });

const consentKey = (id: string) => `consent:${id}`;

/**
 * The host an answer goes to, as a person reads it: `app.example.com`, `localhost:8976`, or the scheme of
 * a private-use URI (`com.example.app:`).
 */
export function redirectHostOf(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.protocol === "http:" || url.protocol === "https:" ? url.host : url.protocol;
}

/**
 * Whether the request may be answered without asking: first-party clients always; others when a consent
 * covers its client, resource and scopes (and the client did not ask to be asked again).
 * @example if (await needsConsent(deps, client, req, session.accountId)) return askConsent(c, deps, client, req, session);
 */
export async function needsConsent(deps: AppDeps, client: Client, req: PendingRequest, accountId: string): Promise<boolean> {
  if (isFirstParty(client)) return false;
  if (req.promptConsent) return true;
  return !covers(await findConsent(deps.db, accountId, client.id, req.aud), req.scopes);
}

/**
 * Keep the request and show the consent screen for it.
 * @example return askConsent(c, deps, client, req, session);
 */
export async function askConsent(c: Context, deps: AppDeps, client: Client, req: PendingRequest, session: BrowserSession): Promise<Response> {
  const id = randomToken(24);
  await deps.store.put(consentKey(id), JSON.stringify({ ...req, accountId: session.accountId, sid: session.sid }), CONSENT_TTL);
  const [resource, entitled, identities, form] = await Promise.all([
    resourceLookup(deps)(req.aud),
    getEntitlements(deps.db, session.accountId),
    listIdentities(deps.db, session.accountId),
    csrfToken(deps.config, session.sid),
  ]);
  // In an OpenID Connect request the identity scopes asked for are the person's to give (oidc/scopes.ts),
  // so the screen must not say they are missing.
  const held = new Set(withAskedIdentityScopes(entitled?.scopes ?? [], req.scopes));
  // A sign-in's audience is this server itself: the screen says so in words rather than show its URL, and
  // its scopes read in the sign-in's words (no registered resource describes them).
  const signIn = req.aud === deps.config.audience && isSignInOnly(req.scopes);
  const words = resource ?? (signIn ? signInResource(deps.config) : undefined);
  const openId = isOpenIdGrant(req.scopes);
  const redirectHost = redirectHostOf(req.redirectUri);
  const redirect = new URL(req.redirectUri);
  return consentPage(
    c,
    {
      requestId: id,
      csrf: form,
      clientName: client.name,
      clientHost: isMetadataDocumentId(client.id) ? new URL(client.id).host : undefined,
      redirectHost,
      loopback: redirect.protocol === "http:" && isLoopbackHost(redirect.hostname),
      target: signIn ? { kind: "sign-in", host: new URL(deps.config.issuer).host } : { kind: "resource", name: resource?.name ?? req.aud, uri: req.aud },
      scopes: req.scopes.map((scope) => ({ scope, description: describeScope(words, scope) ?? (openId ? identityScopeWords(scope) : undefined), heldNow: held.has(scope) })),
      accountLabel: identities.find((i) => i.username)?.username ?? undefined,
    },
    consentHeaders(req.redirectUri),
  );
}

/** Routes: `POST /authorize/consent`. */
export function consentRoutes(deps: AppDeps) {
  const app = new Hono();
  app.use("/authorize/consent", csrf({ origin: deps.config.issuer }));
  const expired = (c: Context) =>
    errorPage(c, { status: 400, title: "Request expired", message: "This request has expired or was already answered. Please return to the application and try again." });

  app.post("/authorize/consent", async (c) => {
    const session = await currentSession(c, deps);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const id = typeof form.req === "string" ? form.req : "";
    const token = typeof form.csrf === "string" ? form.csrf : undefined;
    if (!session || !(await checkCsrfToken(deps.config, session.sid, token)) || !/^[A-Za-z0-9_-]{32}$/.test(id)) return expired(c);
    const raw = await deps.store.take(consentKey(id));
    const parsed = raw ? AwaitingConsent.safeParse(JSON.parse(raw)) : undefined;
    // Only the session that was asked may answer.
    if (!parsed?.success || parsed.data.sid !== session.sid || parsed.data.accountId !== session.accountId) return expired(c);
    const { accountId: _a, sid: _s, ...req } = parsed.data;
    const client = await deps.findClient(req.clientId);
    if (!client || client.disabledAt !== null || !client.redirectUris.includes(req.redirectUri))
      return errorPage(c, { status: 400, title: "Unknown application", message: "The application that sent you here is no longer registered." });
    c.header("Cache-Control", "no-store");
    if (form.decision !== "approve")
      return redirectToClient(c, deps.config.issuer, req.redirectUri, { error: "access_denied", error_description: "the person denied the request", state: req.state }, 303);
    await recordConsent(
      deps.db,
      { accountId: session.accountId, clientId: client.id, resource: req.aud, scopes: req.scopes, clientName: client.name, redirectHost: redirectHostOf(req.redirectUri) },
      deps.now(),
    );
    return answerWithCode(c, deps, req, session, 303);
  });
  return app;
}
