/**
 * One design for every page, checked in a real browser (Debian's Chromium through playwright-core) against
 * the real Node server: the chooser (from `/authorize` and `/signin`), the dev picker, the account page,
 * two error pages (a 400 and a 404), the pages of signing out from an app (RP-initiated logout: asked to
 * confirm, with and without the app's name and a notice; signed out through an ID token hint or the
 * confirmation; not signed in; a refused request), and a specimen of the blocks console pages will be built
 * from (nav, wide tables that stack on a phone, forms, danger buttons, notices, a secret shown once), each
 * at 1280 and 390 px wide, light and dark.
 *
 * Every page and variant goes through the shared checks (page-checks.ts): the frame, nothing wider than
 * the window, no CSP violation, every button named and every target at least 44 px tall, no ISO time, and
 * axe-core finding nothing `serious` or `critical`. Screenshots of everything go to test-artifacts/design/
 * (gitignored) for a person to look at. Error pages carry a way out and the request id that is also in the
 * `X-Request-Id` header and on the request's log line.
 */
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import type { Browser, Page, Response as PageResponse } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/clients/registry";
import { pkce } from "../support/login";
import type { NodeServer } from "../support/node-server";
import { specimenApp } from "./design-specimen";
import { signInWithDevLogin } from "./dev-sign-in";
import { artifactsDir, hasChromium, newVariantContext, pageReview, variantCases, type Session } from "./page-checks";
import { startPageServer, type PageServer } from "./page-server";
import { PAGE_VARIANTS } from "./variants";

const CALLBACK = "http://127.0.0.1:9/cb"; // never reached: the chooser is as far as the flow goes here

let pages: PageServer;
let server: NodeServer;
let specimen: ServerType;
let specimenOrigin: string;
let browser: Browser;
let issuer: string;
let clientId: string;
let signedIn: Session;
let ARTIFACTS: string;

/**
 * The pages, each with the status it answers and who opens it: nobody signed in, ada (signed in once, her
 * session kept), or a person of its own who signs in first (for pages that end their session). Last, the
 * specimen of the console's building blocks (design-specimen.tsx), served with the same headers by a
 * server of its own.
 */
const PAGES: { name: string; url: () => string; status: number; as?: "ada" | "own"; open?: (page: Page) => Promise<PageResponse | null> }[] = [
  { name: "chooser", url: () => issuer + authorizePath(clientId), status: 200 },
  { name: "signin", url: () => `${issuer}/signin`, status: 200 },
  { name: "dev-picker", url: () => `${issuer}/auth/dev/start?intent=login&return_to=%2Faccount`, status: 200 },
  { name: "account", url: () => `${issuer}/account`, status: 200, as: "ada" },
  // The account page the moment it shows a new API key, its only view of the key (the answer to a POST).
  { name: "account-new-key", url: () => `${issuer}/account`, status: 200, as: "ada", open: createKey },
  { name: "error-unknown-app", url: () => issuer + authorizePath("client_doesnotexist"), status: 400 },
  { name: "error-not-found", url: () => `${issuer}/auth/nope/start?intent=login&return_to=%2Faccount`, status: 404 },
  // Signing out from an app (/oidc/logout). Without an ID token hint a signed-in person is asked; with the
  // app named and a return address it has not registered, the page also says why it will not go there.
  { name: "logout-confirm", url: () => `${issuer}/oidc/logout`, status: 200, as: "ada" },
  { name: "logout-confirm-app", url: () => `${issuer}/oidc/logout?${new URLSearchParams({ client_id: clientId, post_logout_redirect_uri: "https://elsewhere.example/bye" })}`, status: 200, as: "ada" },
  // Signed out: by the app's hint (its ID token), or by answering the question.
  { name: "logout-signed-out", url: () => `${issuer}/oidc/logout`, status: 200, as: "own", open: signOutWithHint },
  { name: "logout-confirmed", url: () => `${issuer}/oidc/logout`, status: 200, as: "own", open: signOutConfirmed },
  { name: "logout-not-signed-in", url: () => `${issuer}/oidc/logout`, status: 200 },
  { name: "logout-refused", url: () => `${issuer}/oidc/logout?id_token_hint=not-a-token-of-ours`, status: 400 },
  { name: "console-specimen", url: () => `${specimenOrigin}/specimen`, status: 200 },
];

/** Create an API key on the account page; the answer is the page showing it once. */
async function createKey(page: Page): Promise<PageResponse | null> {
  await page.goto(`${issuer}/account`);
  await page.fill('#api-keys input[name="name"]', "design-review");
  const [res] = await Promise.all([page.waitForResponse((r) => r.url() === `${issuer}/account/api-keys` && r.request().method() === "POST"), page.getByRole("button", { name: "Create key" }).click()]);
  await page.waitForLoadState();
  return res;
}

let people = 0;

/** Sign in on `page` through the dev picker as a new person, landing on the account page. */
async function signInAsNewPerson(page: Page): Promise<void> {
  people += 1;
  await signInWithDevLogin(page, issuer, { subject: `${100 + people}`, username: `grace-${people}` });
}

/** Sign a new person in to the app (an ID token), then follow the app's logout link with it as the hint. */
async function signOutWithHint(page: Page): Promise<PageResponse | null> {
  await signInAsNewPerson(page);
  const { verifier, challenge } = pkce();
  const q = new URLSearchParams({ response_type: "code", client_id: clientId, redirect_uri: CALLBACK, code_challenge: challenge, code_challenge_method: "S256", state: "design", scope: "openid profile", nonce: "design" });
  const answer = await page.request.get(`${issuer}/authorize?${q}`, { maxRedirects: 0 });
  const code = new URL(answer.headers().location ?? CALLBACK).searchParams.get("code");
  expect(code, "the app got a code").toBeTruthy();
  const token = await fetch(`${issuer}/token`, { method: "POST", body: new URLSearchParams({ grant_type: "authorization_code", code: code!, redirect_uri: CALLBACK, code_verifier: verifier, client_id: clientId }) });
  const { id_token: hint } = (await token.json()) as { id_token?: string };
  expect(hint, "the app got an ID token").toBeTruthy();
  return page.goto(`${issuer}/oidc/logout?${new URLSearchParams({ id_token_hint: hint!, client_id: clientId })}`);
}

/** Sign a new person in, open the logout page without a hint, and answer "Sign out". */
async function signOutConfirmed(page: Page): Promise<PageResponse | null> {
  await signInAsNewPerson(page);
  await page.goto(`${issuer}/oidc/logout`);
  const [res] = await Promise.all([page.waitForResponse((r) => r.url() === `${issuer}/oidc/logout` && r.request().method() === "POST"), page.getByRole("button", { name: "Sign out" }).click()]);
  await page.waitForLoadState();
  return res;
}

/** An `/authorize` request without `provider`: the chooser, or an error page for an unknown client. */
function authorizePath(client: string): string {
  const params = new URLSearchParams({ response_type: "code", client_id: client, redirect_uri: CALLBACK, code_challenge: pkce().challenge, code_challenge_method: "S256", state: "design" });
  return `/authorize?${params}`;
}

beforeAll(async () => {
  if (!hasChromium) return;
  ARTIFACTS = artifactsDir("design");
  pages = await startPageServer({
    prefix: "authbridge-design-",
    env: {
      LOG_FORMAT: "json",
      // Every platform configured, so the chooser shows them all (nothing here ever reaches a platform).
      GITHUB_CLIENT_ID: "gh-design",
      GITHUB_CLIENT_SECRET: "gh-design-secret",
      DISCORD_CLIENT_ID: "dc-design",
      DISCORD_CLIENT_SECRET: "dc-design-secret",
      SLACK_CLIENT_ID: "sl-design",
      SLACK_CLIENT_SECRET: "sl-design-secret",
      // Sixteen page loads per minute from one address is a person clicking fast, not an attack.
      RATE_LIMIT_PER_MINUTE: "100000",
    },
  });
  ({ issuer, browser, server } = pages);
  clientId = await pages.withDatabase(async (db) => (await createClient(db, { name: "Design review app", isPublic: true, redirectUris: [CALLBACK] })).client.id);
  specimen = serve({ fetch: specimenApp().fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => specimen.once("listening", () => resolve()));
  specimenOrigin = `http://127.0.0.1:${(specimen.address() as AddressInfo).port}`;

  // Sign in through the dev picker and link a second identity, so the account page has rows and actions.
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInWithDevLogin(page, issuer, { subject: "7", username: "ada" });
  await page.click('a[href^="/auth/dev/start?intent=link"]');
  await page.selectOption('select[name="impersonate"]', "discord");
  await page.fill('input[name="subject"]', "8");
  await page.fill('input[name="username"]', "ada.lovelace.with-a-rather-long-discord-name");
  await Promise.all([page.waitForURL(`${issuer}/account`), page.getByRole("button", { name: "Sign in" }).click()]);
  signedIn = await context.storageState();
  await context.close();
}, 90_000);

afterAll(async () => {
  await pages?.stop();
  await new Promise((resolve) => (specimen ? specimen.close(resolve) : resolve(undefined)));
});

describe.skipIf(!hasChromium)("one design for every page", () => {
  it.each(variantCases())("every page at %s: the frame, named buttons, 44 px targets, no CSP violation, no serious axe finding", async (_, v) => {
    const review = pageReview(ARTIFACTS);
    const nobody = await newVariantContext(browser, v);
    const ada = await newVariantContext(browser, v, { session: signedIn });
    for (const p of PAGES) {
      const own = p.as === "own" ? await newVariantContext(browser, v) : undefined;
      await review.check(own ?? (p.as === "ada" ? ada : nobody), v, { name: p.name, open: p.open ?? p.url(), status: p.status });
      await own?.close();
    }
    await nobody.close();
    await ada.close();
    review.expectNoProblems();
  }, 150_000);

  it("platforms are named and marked on the chooser: a button per platform whose name says where it goes, its icon hidden from assistive technology", async () => {
    const context = await newVariantContext(browser, PAGE_VARIANTS[0]);
    const page = await context.newPage();
    await page.goto(`${issuer}${authorizePath(clientId)}`);
    expect(await page.locator("h1").textContent()).toBe("Sign in to continue to Design review app");
    const choices = page.locator("ul.choices a.button");
    expect(await choices.allTextContents()).toEqual(["Continue with GitHub", "Continue with Discord", "Continue with Slack", "Continue with Dev login"]);
    expect(await page.locator("ul.choices svg").evaluateAll((svgs) => svgs.map((s) => [s.getAttribute("data-platform"), s.getAttribute("aria-hidden")]))).toEqual([
      ["github", "true"],
      ["discord", "true"],
      ["slack", "true"],
      ["dev", "true"],
    ]);
    for (const name of ["GitHub", "Discord", "Slack"]) expect(await page.getByRole("link", { name: `Continue with ${name}` }).getAttribute("href")).toMatch(new RegExp(`^/auth/${name.toLowerCase()}/start\\?`));
    // Focus shows: a keyboard's first stop is the first choice, ringed in both schemes.
    for (const dark of [false, true]) {
      await page.emulateMedia({ colorScheme: dark ? "dark" : "light" });
      await page.reload(); // a fresh page: the keyboard starts from the top
      await page.keyboard.press("Tab");
      const focused = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const style = getComputedStyle(el);
        return { text: el.textContent, outline: style.outlineStyle, width: style.outlineWidth, visible: el.matches(":focus-visible") };
      });
      expect(focused).toEqual({ text: "Continue with GitHub", outline: "solid", width: "3px", visible: true });
      await page.screenshot({ path: join(ARTIFACTS, `focus-chooser-1280-${dark ? "dark" : "light"}.png`) });
    }
    // The dev picker marks each platform's section too.
    await page.goto(`${issuer}/auth/dev/start?intent=login&return_to=%2Faccount`);
    expect(await page.locator("legend svg").evaluateAll((svgs) => svgs.map((s) => s.getAttribute("data-platform")))).toEqual(["github", "discord", "slack"]);
    await context.close();
  }, 60_000);

  it("signing out from an app: asked without a hint, signed out with one or by answering, told when not signed in or refused", async () => {
    const text = async (page: Page) => ({ h1: await page.locator("h1").textContent(), main: (await page.locator("main").innerText()).replace(/\s+/g, " ") });
    const ada = await newVariantContext(browser, PAGE_VARIANTS[0], { session: signedIn });
    const asked = await ada.newPage();
    await asked.goto(PAGES.find((p) => p.name === "logout-confirm")!.url());
    expect(await text(asked)).toEqual({ h1: "Sign out?", main: expect.stringContaining("Signing out ends your session here as ada. The apps you signed in to with this session can no longer use it.") });
    expect(await asked.getByRole("button", { name: "Sign out" }).isVisible()).toBe(true);
    expect(await asked.getByRole("link", { name: "Stay signed in" }).getAttribute("href")).toBe("/account");
    await asked.goto(PAGES.find((p) => p.name === "logout-confirm-app")!.url());
    expect((await text(asked)).main).toContain("Design review app asks to sign you out.");
    expect(await asked.getByRole("alert").innerText()).toBe("The address Design review app asked to return to after signing out is not registered for it, so you are not sent there.");
    await ada.close();

    for (const [open, message] of [
      [signOutWithHint, "You are signed out."],
      [signOutConfirmed, "You are signed out."],
    ] as const) {
      const own = await newVariantContext(browser, PAGE_VARIANTS[0]);
      const page = await own.newPage();
      await open(page);
      expect(await text(page)).toEqual({ h1: "Signed out", main: expect.stringContaining(message) });
      // The session really ended: the account page sends this browser to sign in again.
      await page.goto(`${issuer}/account`);
      expect(new URL(page.url()).pathname).not.toBe("/account");
      await own.close();
    }
    const nobody = await newVariantContext(browser, PAGE_VARIANTS[0]);
    const page = await nobody.newPage();
    await page.goto(PAGES.find((p) => p.name === "logout-not-signed-in")!.url());
    expect(await text(page)).toEqual({ h1: "Signed out", main: expect.stringContaining("You are not signed in.") });
    await page.goto(PAGES.find((p) => p.name === "logout-refused")!.url());
    expect(await text(page)).toEqual({ h1: "Sign-out not possible", main: expect.stringContaining("carries a token this server did not issue. Nothing was changed.") });
    expect(await page.getByRole("link", { name: "Go to the start page" }).getAttribute("href")).toBe("/");
    await nobody.close();
  }, 90_000);

  it("an error page (a refused sign-out too) gives a way out and the request id that is in the X-Request-Id header and on the request's log line", async () => {
    const context = await newVariantContext(browser, { width: 390, dark: false });
    const page = await context.newPage();
    for (const p of PAGES.filter((p) => p.status >= 400)) {
      const res = await page.goto(p.url());
      const id = res?.headers()["x-request-id"] ?? "";
      expect(id, p.name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(await page.locator("#request-id").textContent(), p.name).toBe(`Request id: ${id} — quote it when you ask for help.`);
      // No link was given for these errors: the page still leads somewhere.
      expect(await page.locator("main a.button").getAttribute("href"), p.name).toBe("/");
      const line = server
        .output()
        .split("\n")
        .filter((l) => l.includes(id))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(line, p.name).toEqual([expect.objectContaining({ msg: "request", status: p.status, request_id: id })]);
    }
    // Every answer is named, whatever made it: a JSON route, a redirect, the problem+json 404.
    for (const path of ["/healthz", "/account", "/no-such-page"]) {
      const other = await fetch(`${issuer}${path}`, { redirect: "manual" });
      expect(other.headers.get("x-request-id"), path).toMatch(/^[0-9a-f-]{36}$/);
    }
    // A caller's X-Request-Id is never taken: an id anyone can choose could forge or collide with another's.
    const chosen = await fetch(`${issuer}/signin`, { headers: { "X-Request-Id": "chosen-by-the-caller" } });
    expect(chosen.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.output()).not.toContain("chosen-by-the-caller");
    await context.close();
  }, 60_000);
});
