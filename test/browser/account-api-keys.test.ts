/**
 * A person managing their API keys on /account in a real browser (Debian's Chromium through
 * playwright-core) against the real Node server (`src/node.ts`), signed in through the dev login: create a
 * key, read it from the page the one time it is shown, exchange it at /token, revoke it on the page and see
 * it refused. Also: the forms' CSRF protection, another account's revoke (404), and the page with keys and
 * the "shown once" page in every variant through the shared checks (page-checks.ts), the key and the list
 * inside the window, with screenshots into test-artifacts/.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isWellFormedApiKey } from "../../src/apikeys/format";
import { signInWithDevLogin } from "./dev-sign-in";
import { artifactsDir, hasChromium, newVariantContext, pageReview, variantLabel } from "./page-checks";
import { startPageServer, type PageServer } from "./page-server";
import { PAGE_VARIANTS } from "./variants";

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const API_KEY_TYPE = "urn:authbridge:token-type:api-key";
// A member of the GitHub org "acme" is entitled to profile and repos:read: the checkboxes a key may pick from.
const RULES = JSON.stringify({
  roles: { member: ["repos:read"] },
  rules: [
    { when: { provider: "github", org: "acme" }, grant: ["role:member"] },
    { when: {}, grant: ["profile"] },
  ],
});

let pages: PageServer;
let browser: Browser;
let issuer: string;
let ARTIFACTS: string;

beforeAll(async () => {
  if (!hasChromium) return;
  ARTIFACTS = artifactsDir();
  pages = await startPageServer({ prefix: "authbridge-browser-keys-", env: { AUTHBRIDGE_RULES: RULES } });
  ({ issuer, browser } = pages);
}, 60_000);

afterAll(() => pages?.stop());

/** Sign in on `page` through the dev login as GitHub user `subject` (a member of acme), landing on /account. */
const signIn = (page: Page, subject: string, username: string) => signInWithDevLogin(page, issuer, { subject, username, orgs: "acme" });

/** Fill and send the new-key form; resolves once the answer (the page showing the key) has loaded. */
async function createKey(page: Page, opts: { name: string; scopes?: string[]; expires?: string }) {
  await page.getByLabel("Name").fill(opts.name);
  for (const s of opts.scopes ?? []) await page.getByRole("checkbox", { name: s, exact: true }).check();
  if (opts.expires) await page.selectOption('select[name="expires"]', opts.expires);
  await Promise.all([page.waitForURL(`${issuer}/account/api-keys`), page.getByRole("button", { name: "Create key" }).click()]);
}

function exchange(key: string) {
  return fetch(`${issuer}/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: TOKEN_EXCHANGE, subject_token: key, subject_token_type: API_KEY_TYPE }).toString(),
  });
}

describe.skipIf(!hasChromium)("API keys on the account page, in a browser", () => {
  it("create a key, see it once, exchange it, revoke it and see it refused; CSRF and other accounts kept out", async () => {
    const context = await newVariantContext(browser, PAGE_VARIANTS[0]);
    const page = await context.newPage();
    await signIn(page, "1001", "ada");
    expect(await page.locator("#api-keys").textContent()).toContain("You have no API keys.");
    // The scopes to pick from are the account's current entitlements.
    expect(await page.locator('#api-keys input[type="checkbox"]').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).toEqual(["profile", "repos:read"]);
    // Sessions read in words, not ISO.
    expect(await page.locator("#sessions").textContent()).toMatch(/signed in (just now|1 minute ago)/);

    // Create: answered by the page itself (200, no redirect), the key in it once.
    const created = page.waitForResponse((r) => r.url() === `${issuer}/account/api-keys` && r.request().method() === "POST");
    await createKey(page, { name: "ci-deploy", scopes: ["repos:read"], expires: "30d" });
    const answer = await created;
    expect(answer.status()).toBe(200);
    expect(answer.headers()["cache-control"]).toBe("no-store");
    expect(answer.headers()).not.toHaveProperty("location");
    const key = (await page.locator("#new-api-key-value").textContent())!.trim();
    expect(isWellFormedApiKey(key)).toBe(true);
    expect(page.url()).not.toContain(key);
    expect(await page.locator("#new-api-key").textContent()).toContain("Copy it now: it will not be shown again.");
    expect(await page.locator("#new-api-key h2").textContent()).toBe("Your new API key “ci-deploy”");
    // Listed by its hint, with its scopes and times in words.
    const row = page.locator("#api-key-list li", { hasText: "ci-deploy" });
    expect(await row.textContent()).toContain(`${key.slice(0, 8)}…${key.slice(-4)}`);
    expect(await row.textContent()).toContain("repos:read");
    expect(await row.textContent()).toMatch(/created just now · never used · expires (in 4 weeks|in 30 days|in 1 month|next month)/);
    expect((await page.content()).split(key).length - 1).toBe(1);

    // The key works at /token as a token exchange, with no client authentication.
    const res = await exchange(key);
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ token_type: "Bearer", scope: "repos:read" });
    expect(body.access_token).toEqual(expect.any(String));

    // Gone from the page as soon as the person leaves it: /account shows the hint only, last use in words.
    await page.getByRole("link", { name: "I have copied it" }).click();
    await page.waitForURL(`${issuer}/account`);
    expect(await page.content()).not.toContain(key);
    expect(await page.locator("#new-api-key").count()).toBe(0);
    expect(await page.locator("#api-key-list li", { hasText: "ci-deploy" }).textContent()).toMatch(/last used just now/);

    // A POST without the form token is refused (same origin, so only the token is missing), and so is a cross-site one.
    const keysBefore = await page.locator("#api-key-list li").count();
    const noToken = await page.request.post(`${issuer}/account/api-keys`, { form: { name: "forged" }, headers: { Origin: issuer }, maxRedirects: 0 });
    expect(noToken.status()).toBe(401);
    expect(await noToken.text()).not.toMatch(/abk_/);
    const csrfValue = (await page.locator('input[name="csrf"]').first().getAttribute("value"))!;
    const crossSite = await page.request.post(`${issuer}/account/api-keys`, { form: { name: "forged", csrf: csrfValue }, headers: { Origin: "http://evil.example" }, maxRedirects: 0 });
    expect(crossSite.status()).toBe(403);
    const noTokenRevoke = await page.request.post(`${issuer}/account/api-keys/${await row.getAttribute("data-key-id")}/revoke`, { form: {}, headers: { Origin: issuer }, maxRedirects: 0 });
    expect(noTokenRevoke.status()).toBe(401);
    await page.reload();
    expect(await page.locator("#api-key-list li").count()).toBe(keysBefore);
    expect(await page.locator("#api-key-list").textContent()).not.toContain("forged");

    // The page showing a new key once, then the page with keys, in each variant: every shared check, and
    // the key and the list inside the window.
    const session = await context.storageState();
    const review = pageReview(ARTIFACTS);
    for (const v of PAGE_VARIANTS) {
      const ctx = await newVariantContext(browser, v, { session });
      await review.check(ctx, v, {
        name: "account-api-key-once",
        status: 200,
        inWindow: ["#new-api-key-value"],
        open: async (p) => {
          await p.goto(`${issuer}/account`);
          const answer = p.waitForResponse((r) => r.url() === `${issuer}/account/api-keys` && r.request().method() === "POST");
          await createKey(p, { name: `laptop-${variantLabel(v)}`, expires: v.dark ? "never" : "1y" });
          return answer;
        },
      });
      await review.check(ctx, v, { name: "account-api-keys", open: `${issuer}/account`, status: 200, inWindow: ["#api-key-list"] });
      // Reloading the page that showed a key sends its form again: told so, and no second key.
      await review.check(ctx, v, {
        name: "account-api-key-sent-twice",
        status: 409,
        open: async (p) => {
          await p.goto(`${issuer}/account`);
          const first = p.waitForResponse((r) => r.url() === `${issuer}/account/api-keys` && r.request().method() === "POST");
          await createKey(p, { name: `twice-${variantLabel(v)}`, expires: "never" });
          await first;
          const again = p.waitForResponse((r) => r.url() === `${issuer}/account/api-keys` && r.request().method() === "POST");
          await p.reload();
          const answer = await again;
          expect(await p.locator("h1").textContent()).toBe("This form was already sent");
          expect(await p.content()).not.toMatch(/abk_[A-Za-z0-9]{20,}/);
          return answer;
        },
      });
      await ctx.close();
    }
    review.expectNoProblems();

    // Another account cannot revoke the first one's key: 404, and the key stays.
    const other = await newVariantContext(browser, PAGE_VARIANTS[0]);
    const otherPage = await other.newPage();
    await signIn(otherPage, "2002", "bob");
    expect(await otherPage.locator("#api-keys").textContent()).not.toContain("ci-deploy");
    const otherCsrf = (await otherPage.locator('input[name="csrf"]').first().getAttribute("value"))!;
    const keyId = (await row.getAttribute("data-key-id"))!;
    const foreign = await otherPage.request.post(`${issuer}/account/api-keys/${keyId}/revoke`, { form: { csrf: otherCsrf }, headers: { Origin: issuer }, maxRedirects: 0 });
    expect(foreign.status()).toBe(404);
    expect(await foreign.text()).toContain("That API key is not one of yours.");
    await other.close();
    expect((await exchange(key)).status).toBe(200);

    // Revoke on the page: the button names the key; the key is refused at once.
    await page.reload();
    await Promise.all([page.waitForURL(`${issuer}/account?done=key-revoked`), page.getByRole("button", { name: "Revoke key ci-deploy" }).click()]);
    expect(await page.locator("p[role=status]").textContent()).toBe("The API key was revoked.");
    expect(await page.locator("#api-keys").textContent()).not.toContain("ci-deploy");
    const refused = await exchange(key);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: "invalid_grant" });
    await page.reload();
    expect(await page.content()).not.toContain(key);
    expect(await page.content()).not.toContain(key.slice(4, 40));
    await context.close();
  }, 120_000);
});
