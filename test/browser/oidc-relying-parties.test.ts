/**
 * Off-the-shelf OpenID Connect relying parties against the real Node server (`src/node.ts` with the dev
 * login), driven by a person in Chromium — code nobody here wrote, used as its own documentation shows:
 * - openid-client 6 (npm): `discovery()` on the bare issuer URL, the code flow with PKCE and a nonce, its
 *   own ID-token validation (signature from the JWKS, iss, aud, exp, nonce, at_hash), UserInfo, a refresh,
 *   RP-initiated logout with `buildEndSessionUrl`, then `prompt=none` answered `login_required`;
 * - Authlib (Python, Debian's python3-authlib): the same, in a tiny Python web app (test/oidc/authlib_rp.py).
 * The rules let in one Discord role as `ops`, and groups list platform memberships too.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import http from "node:http";
import { fileURLToPath } from "node:url";
import * as oidc from "openid-client";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/clients/registry";
import { setOidcSettings } from "../../src/oidc/client-settings";
import { freePort } from "../support/temp";
import { hasChromium } from "./page-checks";
import { startPageServer, type PageServer } from "./page-server";

const PYTHON = "/usr/bin/python3";
// Outside CI a machine without python3-authlib skips the Python RP; in CI (.ci/run installs it) it must run.
const hasAuthlib = process.env.CI === "true" || (existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import authlib, requests"]).status === 0);
const GUILD = "81384788765712384";
const ROLE = "41771983423143937";
const RULES = { roles: { ops: ["dash:edit"] }, rules: [{ when: { provider: "discord", guild: GUILD, role: ROLE }, grant: ["role:ops"] }] };

let pages: PageServer;
let browser: Browser;
let issuer: string;

/** Register a confidential client for an RP at `origin` (`/cb` and `/bye`). */
async function registerRp(name: string, origin: string): Promise<{ id: string; secret: string }> {
  return pages.withDatabase(async (db) => {
    const { client, secret } = await createClient(db, { name, redirectUris: [`${origin}/cb`], grants: ["authorization_code", "refresh_token"] });
    await setOidcSettings(db, client.id, { postLogoutRedirectUris: [`${origin}/bye`] }, Date.now());
    return { id: client.id, secret: secret! };
  });
}

/** The person signs in through the chooser and the dev picker as a Discord member with the role. */
async function signInAtIssuer(page: Page, subject: string, username: string): Promise<void> {
  await page.click("text=Continue with Dev login");
  expect(await page.locator("h1").textContent()).toBe("Dev login");
  await page.selectOption('select[name="impersonate"]', "discord");
  await page.fill('input[name="subject"]', subject);
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="email"]', `${username}@example.com`);
  await page.fill('input[name="guilds"]', GUILD);
  await page.fill('input[name="roles"]', `${GUILD}:${ROLE}`);
  await page.click('button[type="submit"]');
}

beforeAll(async () => {
  if (!hasChromium) return;
  pages = await startPageServer({ prefix: "authbridge-oidc-browser-", env: { AUTHBRIDGE_RULES: JSON.stringify(RULES), AUTHBRIDGE_OIDC_GROUPS: "roles+platform" } });
  ({ issuer, browser } = pages);
}, 60_000);

afterAll(() => pages?.stop());

describe.skipIf(!hasChromium)("openid-client (npm) as the relying party", () => {
  let rp: http.Server;
  let origin: string;
  let config: oidc.Configuration;
  const flows = new Map<string, { verifier: string; nonce: string }>();
  let signedIn: { tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers; userinfo: oidc.UserInfoResponse } | undefined;
  let refused: string | undefined;

  beforeAll(async () => {
    if (!hasChromium) return;
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    const client = await registerRp("Dashboards (openid-client)", origin);
    // What the library's README does: discover from the issuer, a confidential client.
    config = await oidc.discovery(new URL(issuer), client.id, client.secret, undefined, { execute: [oidc.allowInsecureRequests] });
    rp = http.createServer((req, res) => {
      void (async () => {
        const url = new URL(req.url ?? "/", origin);
        if (url.pathname === "/login") {
          const verifier = oidc.randomPKCECodeVerifier();
          const nonce = oidc.randomNonce();
          const state = oidc.randomState();
          flows.set(state, { verifier, nonce });
          const target = oidc.buildAuthorizationUrl(config, {
            redirect_uri: `${origin}/cb`,
            scope: "openid profile email groups",
            code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
            code_challenge_method: "S256",
            nonce,
            state,
            ...(url.searchParams.get("prompt") ? { prompt: url.searchParams.get("prompt")! } : {}),
          });
          res.writeHead(302, { location: target.href }).end();
        } else if (url.pathname === "/cb") {
          const state = url.searchParams.get("state") ?? "";
          const flow = flows.get(state)!;
          try {
            const tokens = await oidc.authorizationCodeGrant(config, url, { pkceCodeVerifier: flow.verifier, expectedNonce: flow.nonce, expectedState: state, idTokenExpected: true });
            const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
            signedIn = { tokens, userinfo };
            res.writeHead(200, { "content-type": "text/html" }).end(`<h1>signed in as ${userinfo.preferred_username}</h1>`);
          } catch (e) {
            refused = e instanceof oidc.AuthorizationResponseError ? e.error : String(e);
            res.writeHead(200, { "content-type": "text/html" }).end(`<h1>sign-in refused: ${refused}</h1>`);
          }
        } else if (url.pathname === "/logout") {
          const end = oidc.buildEndSessionUrl(config, { id_token_hint: signedIn!.tokens.id_token!, post_logout_redirect_uri: `${origin}/bye`, state: "bye-state" });
          res.writeHead(302, { location: end.href }).end();
        } else if (url.pathname === "/bye") {
          res.writeHead(200, { "content-type": "text/html" }).end(`<h1>signed out (${url.searchParams.get("state")})</h1>`);
        } else res.writeHead(404).end();
      })();
    });
    await new Promise<void>((r) => rp.listen(port, "127.0.0.1", () => r()));
  }, 60_000);
  afterAll(() => rp?.close());

  it("discovers the provider from the bare issuer, signs in with PKCE and a nonce, reads UserInfo, refreshes, logs out", async () => {
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(issuer);
    expect(meta.supportsPKCE()).toBe(true);
    expect(meta.end_session_endpoint).toBe(`${issuer}/oidc/logout`);

    const page = await browser.newPage();
    await page.goto(`${origin}/login`);
    expect(await page.locator("h1").textContent()).toBe("Sign in to continue to Dashboards (openid-client)");
    await Promise.all([page.waitForURL((u) => u.href.startsWith(`${origin}/cb`)), signInAtIssuer(page, "9001", "ada")]);
    expect(await page.locator("h1").textContent()).toBe("signed in as ada");

    // Validated by the library: signature against the JWKS, iss, aud, exp, iat, nonce, at_hash.
    const claims = signedIn!.tokens.claims()!;
    expect(claims).toMatchObject({ iss: issuer, aud: expect.anything(), name: "ada", preferred_username: "ada", email: "ada@example.com", email_verified: true });
    expect(claims.sub).toMatch(/^acct_/);
    expect(claims.groups).toEqual([`discord:${GUILD}`, `discord:${GUILD}:${ROLE}`, "ops"]);
    expect(typeof claims.auth_time).toBe("number");
    expect(signedIn!.userinfo).toMatchObject({ sub: claims.sub, preferred_username: "ada", email: "ada@example.com", groups: claims.groups });

    const refreshed = await oidc.refreshTokenGrant(config, signedIn!.tokens.refresh_token!);
    expect(refreshed.claims()).toMatchObject({ sub: claims.sub, auth_time: claims.auth_time, groups: claims.groups });

    await Promise.all([page.waitForURL((u) => u.href.startsWith(`${origin}/bye`)), page.goto(`${origin}/logout`)]);
    expect(await page.locator("h1").textContent()).toBe("signed out (bye-state)");
    // The session and its tokens ended: UserInfo refuses the access token, the refresh token is dead.
    await expect(oidc.fetchUserInfo(config, refreshed.access_token, claims.sub)).rejects.toThrow();
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toThrow();

    // Silent sign-in now finds no session: login_required at the client, no page at the issuer.
    await Promise.all([page.waitForURL((u) => u.href.startsWith(`${origin}/cb`)), page.goto(`${origin}/login?prompt=none`)]);
    expect(await page.locator("h1").textContent()).toBe("sign-in refused: login_required");
    expect(refused).toBe("login_required");
    await page.close();
  }, 120_000);
});

describe.skipIf(!hasChromium || !hasAuthlib)("Authlib (Python) as the relying party", () => {
  let py: ChildProcess;
  let origin: string;

  beforeAll(async () => {
    if (!hasChromium || !hasAuthlib) return;
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    const client = await registerRp("Wiki (Authlib)", origin);
    const script = fileURLToPath(new URL("../oidc/authlib_rp.py", import.meta.url));
    py = spawn(PYTHON, [script, issuer, client.id, client.secret, String(port)], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" } });
    let out = "";
    py.stderr?.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the Authlib RP did not start:\n${out}`)), 30_000);
      py.stdout?.on("data", (d: Buffer) => {
        if (d.toString().includes('"port"')) {
          clearTimeout(timer);
          resolve();
        }
      });
      py.once("exit", (code) => reject(new Error(`the Authlib RP exited with ${code}:\n${out}`)));
    });
  }, 60_000);
  afterAll(() => {
    py?.kill();
  });

  it("signs in with PKCE and a nonce, validates the ID token with CodeIDToken, reads UserInfo, refreshes and logs out", async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/login`);
    await Promise.all([page.waitForURL((u) => u.href.startsWith(`${origin}/cb`)), signInAtIssuer(page, "9002", "grace")]);
    expect(await page.locator("h1").textContent()).toBe("signed in as grace");
    const result = (await (await fetch(`${origin}/result`)).json()) as Record<string, Record<string, unknown> & { groups?: string[] }> & { alg: string; exception?: string };
    expect(result.exception).toBeUndefined();
    expect(result.alg).toBe("RS256");
    expect(result.claims).toMatchObject({ iss: issuer, preferred_username: "grace", email: "grace@example.com", email_verified: true, groups: [`discord:${GUILD}`, `discord:${GUILD}:${ROLE}`, "ops"] });
    expect(result.claims!.nonce).toBeTruthy();
    expect(result.userinfo).toMatchObject({ sub: result.claims!.sub, preferred_username: "grace" });
    expect(result.refreshed).toMatchObject({ sub: result.claims!.sub, auth_time: result.claims!.auth_time });

    await Promise.all([page.waitForURL((u) => u.href.startsWith(`${origin}/bye`)), page.goto(`${origin}/logout`)]);
    expect(await page.locator("h1").textContent()).toBe("signed out");
    const after = (await (await fetch(`${origin}/result`)).json()) as { logged_out_state?: string };
    expect(after.logged_out_state).toBe("py-bye");
    await page.goto(`${issuer}/account`);
    expect(page.url()).toBe(`${issuer}/signin`);
    await page.close();
  }, 120_000);
});
