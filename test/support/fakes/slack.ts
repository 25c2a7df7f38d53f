/**
 * A fake Slack for msw, driven by a world object: Sign in with Slack (OIDC authorize with PKCE
 * checking, `openid.connect.token` issuing RS256 ID tokens signed by the world's key, the JWKS,
 * `openid.connect.userInfo`) and `auth.test` for bot/user tokens. Errors are HTTP 200 `{ok:false}`,
 * like Slack. `idTokenTweaks` lets a test forge bad ID tokens (wrong nonce/aud, another key).
 */
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { http, HttpResponse, type HttpHandler } from "msw";
import { bearer, hang, outage, randomToken, readParams, redirect, type Outage } from "./common";

/** One Slack user in one workspace. */
export interface FakeSlackUser {
  userId: string;
  teamId: string;
  teamName: string;
  teamDomain?: string;
  enterpriseId?: string;
  name: string;
  email: string;
  emailVerified: boolean;
}

/** A bot (or user) token `auth.test` knows. */
export interface FakeSlackBot {
  teamId: string;
  team: string;
  userId: string;
  botId?: string;
  appId?: string;
  enterpriseId?: string;
}

/** The world of the fake Slack. */
export interface SlackWorld {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  users: Map<string, FakeSlackUser>;
  browser: { userId: string | undefined; consent: "allow" | "deny" };
  codes: Map<string, { userId: string; nonce?: string; redirectUri: string; challenge?: string }>;
  tokens: Map<string, { userId: string }>;
  bots: Map<string, FakeSlackBot>;
  revoked: Set<string>;
  outage: Outage;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: Record<string, unknown>;
  /** Forge the next ID tokens: override claims, or sign with another key (same `kid`). */
  idTokenTweaks: { claims?: Record<string, unknown>; key?: CryptoKey };
}

/** A fresh Slack world with its own RSA signing key. */
export async function createSlackWorld(opts: { clientId: string; clientSecret: string; redirectUri: string }): Promise<SlackWorld> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = "slack-test-key";
  return {
    ...opts,
    users: new Map(),
    browser: { userId: undefined, consent: "allow" },
    codes: new Map(),
    tokens: new Map(),
    bots: new Map(),
    revoked: new Set(),
    outage: "none",
    kid,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" },
    idTokenTweaks: {},
  };
}

async function s256(verifier: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return Buffer.from(digest).toString("base64url");
}

const fail = (error: string) => HttpResponse.json({ ok: false, error });

/** msw handlers for slack.com. */
export function slackHandlers(w: SlackWorld): HttpHandler[] {
  const guard = async (req: Request) => (w.outage === "hang" ? hang(req) : w.outage === "down" ? outage() : undefined);
  const claimsOf = (u: FakeSlackUser) => ({
    sub: u.userId,
    "https://slack.com/user_id": u.userId,
    "https://slack.com/team_id": u.teamId,
    "https://slack.com/team_name": u.teamName,
    "https://slack.com/team_domain": u.teamDomain ?? u.teamName.toLowerCase(),
    ...(u.enterpriseId ? { "https://slack.com/enterprise_id": u.enterpriseId } : {}),
    email: u.email,
    email_verified: u.emailVerified,
    name: u.name,
    picture: `https://secure.gravatar.com/avatar/${u.userId}.jpg`,
    locale: "en-US",
  });

  return [
    http.get("https://slack.com/openid/connect/authorize", async ({ request }) => {
      const down = await guard(request);
      if (down) return down;
      const q = new URL(request.url).searchParams;
      const redirectUri = q.get("redirect_uri") ?? "";
      if (q.get("client_id") !== w.clientId || redirectUri !== w.redirectUri) return new HttpResponse("bad_redirect_uri", { status: 400 });
      const state = q.get("state") ?? undefined;
      if (w.browser.consent === "deny" || w.browser.userId === undefined) return redirect(redirectUri, { error: "access_denied", state });
      if (q.get("code_challenge") && q.get("code_challenge_method") !== "S256") return redirect(redirectUri, { error: "invalid_request", state });
      const code = randomToken("slack-code-");
      w.codes.set(code, { userId: w.browser.userId, nonce: q.get("nonce") ?? undefined, redirectUri, challenge: q.get("code_challenge") ?? undefined });
      return redirect(redirectUri, { code, state });
    }),

    http.post("https://slack.com/api/openid.connect.token", async ({ request }) => {
      const down = await guard(request);
      if (down) return down;
      const p = await readParams(request);
      const basic = request.headers.get("authorization")?.match(/^Basic (.+)$/)?.[1];
      const [id, secret] = basic ? Buffer.from(basic, "base64").toString().split(":").map(decodeURIComponent) : [p.get("client_id"), p.get("client_secret")];
      if (id !== w.clientId || secret !== w.clientSecret) return fail("invalid_client_id");
      const code = p.get("code") ?? "";
      const grant = w.codes.get(code);
      w.codes.delete(code);
      if (!grant) return fail("invalid_code");
      if (grant.redirectUri !== p.get("redirect_uri")) return fail("bad_redirect_uri");
      if (grant.challenge && grant.challenge !== (await s256(p.get("code_verifier") ?? ""))) return fail("invalid_code_verifier");
      const u = w.users.get(grant.userId);
      if (!u) return fail("user_not_found");
      const token = randomToken("xoxp-");
      w.tokens.set(token, { userId: u.userId });
      const claims: Record<string, unknown> = { ...claimsOf(u), ...(grant.nonce ? { nonce: grant.nonce } : {}), auth_time: Math.floor(Date.now() / 1000) };
      const idToken = await new SignJWT({ ...claims, ...w.idTokenTweaks.claims })
        .setProtectedHeader({ alg: "RS256", kid: w.kid, typ: "JWT" })
        .setIssuer("https://slack.com")
        .setAudience(String(w.idTokenTweaks.claims?.aud ?? w.clientId))
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(w.idTokenTweaks.key ?? w.privateKey);
      return HttpResponse.json({ ok: true, access_token: token, token_type: "Bearer", id_token: idToken });
    }),

    http.get("https://slack.com/openid/connect/keys", async ({ request }) => {
      const down = await guard(request);
      if (down) return down;
      return HttpResponse.json({ keys: [w.publicJwk] });
    }),

    http.post("https://slack.com/api/openid.connect.userInfo", async ({ request }) => {
      const down = await guard(request);
      if (down) return down;
      const token = bearer(request, ["Bearer"]);
      const t = token && !w.revoked.has(token) ? w.tokens.get(token) : undefined;
      const u = t ? w.users.get(t.userId) : undefined;
      return u ? HttpResponse.json({ ok: true, ...claimsOf(u) }) : fail("invalid_auth");
    }),

    http.post("https://slack.com/api/auth.test", async ({ request }) => {
      const down = await guard(request);
      if (down) return down;
      const token = bearer(request, ["Bearer"]) ?? (await readParams(request)).get("token") ?? undefined;
      if (!token || w.revoked.has(token)) return fail(token ? "token_revoked" : "not_authed");
      const bot = w.bots.get(token);
      if (bot) {
        return HttpResponse.json({
          ok: true,
          url: `https://${bot.team.toLowerCase()}.slack.com/`,
          team: bot.team,
          user: "bot",
          team_id: bot.teamId,
          user_id: bot.userId,
          ...(bot.botId ? { bot_id: bot.botId } : {}),
          ...(bot.appId ? { app_id: bot.appId } : {}),
          ...(bot.enterpriseId ? { enterprise_id: bot.enterpriseId } : {}),
          is_enterprise_install: false,
        });
      }
      const u = w.tokens.has(token) ? w.users.get(w.tokens.get(token)?.userId ?? "") : undefined;
      if (!u) return fail("invalid_auth");
      return HttpResponse.json({ ok: true, url: `https://${u.teamName.toLowerCase()}.slack.com/`, team: u.teamName, user: u.name, team_id: u.teamId, user_id: u.userId, ...(u.enterpriseId ? { enterprise_id: u.enterpriseId } : {}), is_enterprise_install: false });
    }),
  ];
}
