/**
 * A fake GitHub for msw, driven by a world object the test controls: OAuth authorize (the "browser"
 * visit) and token endpoints (errors as HTTP 200, like GitHub), the REST API (`/user`, `/user/emails`,
 * `/user/orgs`, `/user/teams`, `/installation/repositories`) and the Actions OIDC issuer (JWKS +
 * a signer for ID tokens).
 */
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from "jose";
import { http, HttpResponse, type HttpHandler } from "msw";
import { bearer, hang, outage, readParams, redirect, type Outage } from "./common";

/** One GitHub user. */
export interface FakeGitHubUser {
  id: number;
  login: string;
  name?: string;
  avatarUrl?: string;
  emails: { email: string; primary: boolean; verified: boolean }[];
  orgs: string[];
  /** `org/slug`. */
  teams: string[];
}

/** The world of the fake GitHub. */
export interface GitHubWorld {
  clientId: string;
  clientSecret: string;
  /** Registered callback; authorize refuses another redirect_uri. */
  redirectUri: string;
  users: Map<number, FakeGitHubUser>;
  /** Who is signed in at github.com when the browser visits authorize; `deny` simulates "Cancel". */
  browser: { userId: number | undefined; consent: "allow" | "deny" };
  codes: Map<string, { userId: number; scope: string }>;
  tokens: Map<string, { userId: number; scope: string }>;
  /**
   * Installation tokens → repositories (`owner/name`, one owner per installation). `ownerId` is the
   * account's immutable id (default: derived from the login); `expiresAt` (epoch ms) is reported in the
   * `GitHub-Authentication-Token-Expiration` header.
   */
  installations: Map<string, { repositories: string[]; ownerId?: number; expiresAt?: number }>;
  revoked: Set<string>;
  outage: Outage;
  /** GitHub Actions OIDC issuer. */
  actions: { issuer: string; kid: string; privateKey: CryptoKey; publicJwk: Record<string, unknown>; sign(claims: JWTPayload, aud: string): Promise<string> };
}

const ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";

/** A fresh GitHub world. */
export async function createGitHubWorld(opts: { clientId: string; clientSecret: string; redirectUri: string }): Promise<GitHubWorld> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = "actions-test-key";
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  return {
    ...opts,
    users: new Map(),
    browser: { userId: undefined, consent: "allow" },
    codes: new Map(),
    tokens: new Map(),
    installations: new Map(),
    revoked: new Set(),
    outage: "none",
    actions: {
      issuer: ACTIONS_ISSUER,
      kid,
      privateKey,
      publicJwk,
      sign: (claims, aud) =>
        new SignJWT(claims)
          .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
          .setIssuer(ACTIONS_ISSUER)
          .setAudience(aud)
          .setIssuedAt()
          .setExpirationTime("5m")
          .sign(privateKey),
    },
  };
}

const random = () => crypto.randomUUID().replace(/-/g, "");
/** A stable numeric account id for a login (GitHub ids are immutable numbers). */
const accountIdOf = (login: string) => 50_000 + [...login.toLowerCase()].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 1_000_000, 7);
/** GitHub's header date format: `2026-03-01 12:00:00 UTC`. */
const githubTime = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
const badCredentials = () =>
  HttpResponse.json({ message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" }, { status: 401 });

/** msw handlers for github.com, api.github.com and the Actions OIDC issuer. */
export function githubHandlers(w: GitHubWorld): HttpHandler[] {
  const userOf = (req: Request) => {
    const token = bearer(req, ["Bearer", "token"]);
    const t = token && !w.revoked.has(token) ? w.tokens.get(token) : undefined;
    return t ? w.users.get(t.userId) : undefined;
  };
  const guard = async (req: Request) => (w.outage === "hang" ? hang(req) : w.outage === "down" ? outage() : undefined);

  return [
    http.get("https://github.com/login/oauth/authorize", async ({ request }) => {
      const down = await guard(request);
      if (down) return down;
      const q = new URL(request.url).searchParams;
      if (q.get("client_id") !== w.clientId) return new HttpResponse("Not Found", { status: 404 });
      const redirectUri = q.get("redirect_uri") ?? w.redirectUri;
      if (redirectUri !== w.redirectUri) return new HttpResponse("The redirect_uri is not associated with this application.", { status: 400 });
      const state = q.get("state") ?? undefined;
      if (w.browser.consent === "deny" || w.browser.userId === undefined) {
        return redirect(redirectUri, { error: "access_denied", error_description: "The user has denied your application access.", state });
      }
      const code = random().slice(0, 20);
      w.codes.set(code, { userId: w.browser.userId, scope: (q.get("scope") ?? "").split(/[ ,]+/).filter(Boolean).join(",") });
      return redirect(redirectUri, { code, state });
    }),

    http.post("https://github.com/login/oauth/access_token", async ({ request }) => {
      const down = await guard(request);
      if (down) return down;
      const p = await readParams(request);
      // GitHub answers every OAuth error with HTTP 200.
      if (p.get("client_id") !== w.clientId || p.get("client_secret") !== w.clientSecret) {
        return HttpResponse.json({ error: "incorrect_client_credentials", error_description: "The client_id and/or client_secret passed are incorrect." });
      }
      const code = p.get("code") ?? "";
      const grant = w.codes.get(code);
      w.codes.delete(code);
      if (!grant) {
        return HttpResponse.json({
          error: "bad_verification_code",
          error_description: "The code passed is incorrect or expired.",
          error_uri: "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code",
        });
      }
      const token = `gho_${random()}`;
      w.tokens.set(token, grant);
      return HttpResponse.json({ access_token: token, token_type: "bearer", scope: grant.scope });
    }),

    http.get("https://api.github.com/user", async ({ request }) => {
      const down = await guard(request);
      if (down) return down;
      const u = userOf(request);
      if (!u) return badCredentials();
      return HttpResponse.json({ login: u.login, id: u.id, node_id: `U_${u.id}`, avatar_url: u.avatarUrl ?? `https://avatars.githubusercontent.com/u/${u.id}`, type: "User", name: u.name ?? null, email: null });
    }),
    http.get("https://api.github.com/user/emails", async ({ request }) => {
      const down = await guard(request);
      if (down) return down;
      const u = userOf(request);
      if (!u) return badCredentials();
      return HttpResponse.json(u.emails.map((e) => ({ ...e, visibility: e.primary ? "private" : null })));
    }),
    http.get("https://api.github.com/user/orgs", async ({ request }) => {
      const down = await guard(request);
      if (down) return down;
      const u = userOf(request);
      if (!u) return badCredentials();
      return HttpResponse.json(u.orgs.map((login, i) => ({ login, id: 1000 + i, node_id: `O_${login}`, description: null })));
    }),
    http.get("https://api.github.com/user/teams", async ({ request }) => {
      const down = await guard(request);
      if (down) return down;
      const u = userOf(request);
      if (!u) return badCredentials();
      return HttpResponse.json(
        u.teams.map((t, i) => {
          const [org, slug] = t.split("/");
          return { id: 2000 + i, slug, name: slug, organization: { login: org, id: 1000 } };
        }),
      );
    }),
    http.get("https://api.github.com/installation/repositories", async ({ request }) => {
      const down = await guard(request);
      if (down) return down;
      const token = bearer(request, ["Bearer", "token"]);
      const inst = token && !w.revoked.has(token) ? w.installations.get(token) : undefined;
      if (!inst) return badCredentials();
      const repositories = inst.repositories.map((full_name, i) => {
        const [owner = "", name] = full_name.split("/");
        return { id: 3000 + i, name, full_name, owner: { login: owner, id: inst.ownerId ?? accountIdOf(owner), type: "Organization" }, private: true };
      });
      const headers = inst.expiresAt ? { "GitHub-Authentication-Token-Expiration": githubTime(inst.expiresAt) } : undefined;
      return HttpResponse.json({ total_count: repositories.length, repository_selection: "selected", repositories }, { headers });
    }),

    http.get(`${ACTIONS_ISSUER}/.well-known/openid-configuration`, async ({ request }) => {
      const down = await guard(request);
      if (down) return down;
      return HttpResponse.json({ issuer: ACTIONS_ISSUER, jwks_uri: `${ACTIONS_ISSUER}/.well-known/jwks`, id_token_signing_alg_values_supported: ["RS256"] });
    }),
    http.get(`${ACTIONS_ISSUER}/.well-known/jwks`, async ({ request }) => {
      const down = await guard(request);
      if (down) return down;
      return HttpResponse.json({ keys: [w.actions.publicJwk] });
    }),
  ];
}
