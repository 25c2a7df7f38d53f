/**
 * The consent screen and "Connected apps" in a real browser (Debian's Chromium through playwright-core)
 * against the real Node server: an app registered at /register asks for the MCP resource; the person signs
 * in through the dev picker, reads the screen (app, loopback warning, resource, scopes in words), approves
 * — the browser lands on the app's loopback callback with a code, which the CSP's `form-action` allows —
 * is asked again for more scopes and denies (access_denied), then revokes the app on /account, after which
 * its tokens are inactive at /introspect and its refresh token is refused.
 *
 * Each screen in every variant goes through the shared checks (page-checks.ts): the frame, named buttons
 * and 44 px targets, nothing wider than the window, no CSP violation, axe-core with nothing `serious` or
 * `critical`. Screenshots go to test-artifacts/consent/ for a person to look at.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/clients/registry";
import { addResource } from "../../src/resources/registry";
import { pkce } from "../support/login";
import { signInWithDevLogin } from "./dev-sign-in";
import { artifactsDir, hasChromium, newVariantContext, pageReview, type PageCheck, type Session } from "./page-checks";
import { startPageServer, type PageServer } from "./page-server";
import { PAGE_VARIANTS } from "./variants";

const RESOURCE = "https://notes.example.com/mcp";
const RULES = { roles: {}, rules: [{ when: {}, grant: ["notes:read", "notes:write", "profile"] }] };

let pages: PageServer;
let issuer: string;
let browser: Browser;
let callbackServer: http.Server;
let callback: string;
const landed: URL[] = [];
let clientId: string;
let rs: { id: string; secret: string };
let signedIn: Session;
let ARTIFACTS: string;

beforeAll(async () => {
  if (!hasChromium) return;
  ARTIFACTS = artifactsDir("consent");
  callbackServer = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", callback);
    if (url.pathname === "/callback") landed.push(url); // not the browser's favicon requests
    res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>App</title><p>Back in the app.</p>");
  });
  await new Promise<void>((r) => callbackServer.listen(0, "127.0.0.1", () => r()));
  callback = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/callback`;
  pages = await startPageServer({
    prefix: "authbridge-consent-",
    env: {
      AUTHBRIDGE_DYNAMIC_REGISTRATION: "1",
      AUTHBRIDGE_RULES: JSON.stringify(RULES),
      // A person going through every screen in every variant is not an attack.
      RATE_LIMIT_PER_MINUTE: "100000",
    },
  });
  ({ issuer, browser } = pages);
  await pages.withDatabase(async (db) => {
    await addResource(db, { uri: RESOURCE, name: "Team notes", scopes: ["notes:read", "notes:write"], descriptions: { "notes:read": "Read the team's notes", "notes:write": "Write and delete the team's notes" } }, "test");
    const made = await createClient(db, { name: "notes-rs", introspectAudiences: [RESOURCE] });
    rs = { id: made.client.id, secret: made.secret! };
  });
  const reg = await fetch(`${issuer}/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: "Notes Assistant", redirect_uris: [callback], token_endpoint_auth_method: "none" }),
  });
  expect(reg.status).toBe(201);
  clientId = ((await reg.json()) as { client_id: string }).client_id;

  const context = await browser.newContext();
  const page = await context.newPage();
  await signInWithDevLogin(page, issuer, { subject: "42", username: "grace" });
  signedIn = await context.storageState();
  await context.close();
}, 90_000);

afterAll(async () => {
  await pages?.stop();
  await new Promise((r) => (callbackServer ? callbackServer.close(r) : r(undefined)));
});

/** `/authorize` for the app: for {@link RESOURCE}, or with `resource: null` a sign-in (no resource). */
function authorizeUrl(scope: string, verifierOut?: { verifier?: string }, resource: string | null = RESOURCE): string {
  const { verifier, challenge } = pkce();
  if (verifierOut) verifierOut.verifier = verifier;
  const q = new URLSearchParams({ response_type: "code", client_id: clientId, redirect_uri: callback, code_challenge: challenge, code_challenge_method: "S256", state: "browser", scope });
  if (resource !== null) q.set("resource", resource);
  return `${issuer}/authorize?${q}`;
}

/** Every check of page-checks.ts on one page in each variant, signed in; fails with every problem found. */
async function reviewEverywhere(page: PageCheck): Promise<void> {
  const review = pageReview(ARTIFACTS);
  for (const v of PAGE_VARIANTS) {
    const context = await newVariantContext(browser, v, { session: signedIn });
    await review.check(context, v, page);
    await context.close();
  }
  review.expectNoProblems();
}

describe.skipIf(!hasChromium)("consent and connected apps in Chromium", () => {
  it("the consent screen at 1280/390, light/dark: what the app asks, in words; no serious axe finding", async () => {
    await reviewEverywhere({ name: "consent", open: (page) => page.goto(authorizeUrl("notes:read notes:write")), status: 200 });
    const context = await newVariantContext(browser, PAGE_VARIANTS[0], { session: signedIn });
    const page = await context.newPage();
    await page.goto(authorizeUrl("notes:read"));
    expect(await page.locator("h1").textContent()).toBe("Allow Notes Assistant to use your account?");
    expect(await page.locator("#consent-resource").textContent()).toContain("Team notes");
    expect(await page.locator("#consent-scopes").textContent()).toContain("Read the team's notes");
    expect(await page.locator("#consent-loopback").isVisible()).toBe(true);
    expect(await page.getByRole("button", { name: "Allow Notes Assistant" }).isVisible()).toBe(true);
    expect(await page.getByRole("button", { name: "Deny" }).isVisible()).toBe(true);
    await context.close();
  }, 150_000);

  it("a sign-in's consent screen at 1280/390, light/dark: the app signs you in on this server, in words, with no audience URL", async () => {
    const signIn = () => authorizeUrl("openid profile email", undefined, null);
    await reviewEverywhere({ name: "consent-sign-in", open: (page) => page.goto(signIn()), status: 200 });
    const context = await newVariantContext(browser, PAGE_VARIANTS[0], { session: signedIn });
    const page = await context.newPage();
    await page.goto(signIn());
    expect(await page.locator("h1").textContent()).toBe("Sign in to Notes Assistant?");
    expect(await page.title()).toBe("Sign in to Notes Assistant? · authbridge");
    expect(await page.locator("#consent-resource").innerText()).toBe(`Signing you in with your account on ${new URL(issuer).host}. The app learns who you are and gets no access to anything else.`);
    // The audience is this server's URL, which means nothing to a person: nowhere on the screen.
    expect(await page.locator("main").innerText()).not.toContain(issuer);
    expect(await page.locator("#consent-resource code").count()).toBe(0);
    expect(await page.locator("#consent-scopes li").allInnerTexts()).toEqual(["Know who you are (your account id here) (openid)", "See your name, username and picture (profile)", "See your verified email address (email)"]);
    expect(await page.getByRole("button", { name: "Allow Notes Assistant" }).isVisible()).toBe(true);
    expect(await page.getByRole("button", { name: "Deny" }).isVisible()).toBe(true);
    await context.close();
  }, 150_000);

  it("approve lands on the app with a code; more scopes ask again and deny answers access_denied; revoke on /account ends the app's tokens", async () => {
    const context = await newVariantContext(browser, PAGE_VARIANTS[0], { session: signedIn });
    const page = await context.newPage();
    const cspErrors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
    });
    const pkceOut: { verifier?: string } = {};
    await page.goto(authorizeUrl("notes:read", pkceOut));
    await Promise.all([page.waitForURL((u) => u.href.startsWith(callback)), page.getByRole("button", { name: "Allow Notes Assistant" }).click()]);
    expect(cspErrors).toEqual([]);
    const back = landed.at(-1)!;
    expect(back.searchParams.get("state")).toBe("browser");
    const token = await fetch(`${issuer}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "authorization_code", code: back.searchParams.get("code")!, code_verifier: pkceOut.verifier!, redirect_uri: callback, client_id: clientId }).toString(),
    });
    const tokens = (await token.json()) as { access_token: string; refresh_token: string; scope: string };
    expect(tokens.scope).toBe("notes:read");

    // Remembered: the same scopes go straight back; one more asks again, and Deny says so to the app.
    await page.goto(authorizeUrl("notes:read"));
    await page.waitForURL((u) => u.href.startsWith(callback));
    expect(landed.at(-1)!.searchParams.has("code"), landed.at(-1)!.href).toBe(true);
    await page.goto(authorizeUrl("notes:read notes:write"));
    await Promise.all([page.waitForURL((u) => u.href.startsWith(callback)), page.getByRole("button", { name: "Deny" }).click()]);
    expect(landed.at(-1)!.searchParams.get("error")).toBe("access_denied");

    const basic = `Basic ${btoa(`${rs.id}:${rs.secret}`)}`;
    const introspect = async () =>
      ((await (await fetch(`${issuer}/introspect`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic }, body: `token=${tokens.access_token}` })).json()) as { active: boolean }).active;
    expect(await introspect()).toBe(true);

    // Connected apps, at every size and scheme, then Revoke.
    await reviewEverywhere({ name: "connected-apps", open: `${issuer}/account#connected-apps`, status: 200 });
    await page.goto(`${issuer}/account`);
    const row = page.locator(`#connected-app-list li[data-client-id="${clientId}"]`);
    expect(await row.textContent()).toContain("Notes Assistant");
    expect(await row.textContent()).toContain("Team notes");
    expect(await row.textContent()).toContain("notes:read");
    expect(await row.locator("time").count()).toBe(1);
    await Promise.all([page.waitForURL(`${issuer}/account?done=app-revoked`), page.getByRole("button", { name: "Revoke Notes Assistant" }).click()]);
    expect(await page.locator("p[role=status]").textContent()).toContain("disconnected");
    await page.screenshot({ path: join(ARTIFACTS, "connected-apps-revoked-1280-light.png"), fullPage: true });
    expect(await page.locator("#connected-apps").textContent()).toContain("No apps are connected");
    expect(await introspect()).toBe(false);
    const refreshed = await fetch(`${issuer}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: clientId }).toString(),
    });
    expect(await refreshed.json()).toMatchObject({ error: "invalid_grant" });
    await context.close();
  }, 150_000);
});
