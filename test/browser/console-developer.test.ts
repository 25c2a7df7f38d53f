/**
 * The developer's side of the console in a real browser (Debian's Chromium through playwright-core)
 * against the real Node server (`src/node.ts`), signed in through the dev login as a member of `devs`:
 * register a confidential client_credentials app, read its secret the one time it is shown, use it at
 * /token, reset the secret on the page and see the new one work and the old one refused (401
 * invalid_client). Then every developer page — the lists, the forms (also with problems), the pages that
 * show a secret once, the confirmation pages, an app disabled, a 404 — in every variant through the shared
 * checks (page-checks.ts): a screenshot into test-artifacts/console/ (gitignored), the frame, no
 * horizontal overflow, every control at least 44 px tall, every button named, no ISO time, no CSP
 * violation, and axe-core finding nothing serious or critical. The journey too runs with the CSP the pages
 * really have and checks it is never violated.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInWithDevLogin } from "./dev-sign-in";
import { artifactsDir, hasChromium, newVariantContext, pageReview, variantCases, type Session } from "./page-checks";
import { startPageServer, type PageServer } from "./page-server";
import { PAGE_VARIANTS } from "./variants";

// A developer's app is a third-party client: its tokens are for an API it names (one of its audiences).
const API = "https://api.example.com";
const RULES = JSON.stringify({
  rules: [
    { when: { provider: "github", org: "ops" }, grant: ["authbridge:admin"] },
    { when: { provider: "github", org: "devs" }, grant: ["authbridge:clients", "repos:read", "repos:write"] },
    { when: {}, grant: ["profile"] },
  ],
});

let pages: PageServer;
let browser: Browser;
let issuer: string;
let ARTIFACTS: string;

beforeAll(async () => {
  if (!hasChromium) return;
  ARTIFACTS = artifactsDir("console");
  pages = await startPageServer({
    prefix: "authbridge-console-dev-",
    // A person clicking through every page in four variants is not an attack.
    env: { AUTHBRIDGE_RULES: RULES, RATE_LIMIT_PER_MINUTE: "100000" },
  });
  ({ issuer, browser } = pages);
}, 60_000);

afterAll(() => pages?.stop());

/** Sign in on `page` through the dev login as GitHub user `subject` in `orgs`; the console lands on the apps. */
async function signIn(page: Page, subject: string, orgs: string) {
  await signInWithDevLogin(page, issuer, { subject, orgs }, "/console");
  expect(page.url()).toBe(`${issuer}/console/apps`);
}

/** The register form filled for a confidential client_credentials app allowed repos:read, for {@link API}. */
async function fillRegister(page: Page, name: string) {
  await page.getByLabel("Name", { exact: false }).first().fill(name);
  await page.getByRole("radio", { name: /^Confidential/ }).check();
  await page.getByRole("checkbox", { name: /^Sign people in/ }).uncheck();
  await page.getByRole("checkbox", { name: /^Act as itself/ }).check();
  await page.getByRole("checkbox", { name: "repos:read", exact: true }).check();
  await page.locator("#audiences").fill(API);
}

function clientCredentials(id: string, secret: string) {
  return fetch(`${issuer}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}` },
    body: new URLSearchParams({ grant_type: "client_credentials", resource: API }).toString(),
  });
}

describe.skipIf(!hasChromium)("the developer console in a browser", () => {
  const sessions: Partial<Record<"dana" | "newbie" | "sam", Session>> = {};
  const ids = { billing: "", disabled: "", key: "" };

  it("register an app, read its secret once, use it at /token, reset it on the page: the new one works, the old one is refused", async () => {
    const context = await newVariantContext(browser, PAGE_VARIANTS[0]);
    const page = await context.newPage();
    const cspErrors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
    });
    await signIn(page, "dana", "devs");
    expect(await page.locator("h1").textContent()).toBe("Your apps");
    expect(await page.locator("main").textContent()).toContain("You have not registered an app yet.");

    await Promise.all([page.waitForURL(`${issuer}/console/apps/new`), page.getByRole("link", { name: "Register an app" }).click()]);
    await fillRegister(page, "Billing service");
    const answered = page.waitForResponse((r) => r.url() === `${issuer}/console/apps` && r.request().method() === "POST");
    await page.getByRole("button", { name: "Register the app" }).click();
    const answer = await answered;
    await page.waitForLoadState();
    // The secret is in this answer only: 200 (no redirect), never cached, not in the URL.
    expect(answer.status()).toBe(200);
    expect(answer.headers()["cache-control"]).toBe("no-store");
    expect(await page.locator("h1").textContent()).toBe("“Billing service” is registered");
    const id = (await page.locator("#client-id").textContent())!.trim();
    const secret = (await page.locator("#client-secret").textContent())!.trim();
    expect(id).toMatch(/^client_/);
    expect(secret.length).toBeGreaterThan(20);
    expect(page.url()).not.toContain(secret);
    expect(await page.locator("main").textContent()).toContain("Copy it now: it will not be shown again.");
    ids.billing = id;

    const first = await clientCredentials(id, secret);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ token_type: "Bearer", scope: "repos:read" });

    // The app's page: the secret is not there again.
    await Promise.all([page.waitForURL(`${issuer}/console/apps/${id}`), page.getByRole("link", { name: /go to the app/ }).click()]);
    expect(await page.content()).not.toContain(secret);
    expect(await page.locator("#app-details").textContent()).toContain(id);

    // Reset: a confirmation page first (a GET that changes nothing), then the new secret once.
    await Promise.all([page.waitForURL(`${issuer}/console/apps/${id}/reset-secret`), page.getByRole("link", { name: "Reset secret of app Billing service" }).click()]);
    expect(await page.locator("h1").textContent()).toBe("Reset the secret of “Billing service”?");
    expect((await clientCredentials(id, secret)).status).toBe(200);
    await page.getByRole("button", { name: "Reset secret of app Billing service" }).click();
    await page.waitForURL(`${issuer}/console/apps/${id}/reset-secret`);
    await page.waitForSelector("#client-secret");
    const fresh = (await page.locator("#client-secret").textContent())!.trim();
    expect(fresh).not.toBe(secret);

    const renewed = await clientCredentials(id, fresh);
    expect(renewed.status).toBe(200);
    const refused = await clientCredentials(id, secret);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: "invalid_client" });

    // What the screenshots need besides: a disabled app with a long name, a public one, a key.
    await page.goto(`${issuer}/console/apps/new`);
    await page.getByLabel("Name", { exact: false }).first().fill("A deploy bot with a rather long name for a narrow phone");
    await page.locator("#redirect_uris").fill("https://deploy.example.com/callback\nhttp://127.0.0.1:8080/callback");
    await page.locator("#audiences").fill(API);
    await page.getByRole("button", { name: "Register the app" }).click();
    await page.waitForSelector("#client-id");
    ids.disabled = (await page.locator("#client-id").textContent())!.trim();
    await page.goto(`${issuer}/console/apps/${ids.disabled}/disable`);
    await Promise.all([page.waitForURL(/\?done=disabled$/), page.getByRole("button", { name: /^Disable app A deploy bot/ }).click()]);
    expect(await page.locator("#disabled-notice").count()).toBe(1);
    await page.goto(`${issuer}/console/apps/new`);
    await page.getByLabel("Name", { exact: false }).first().fill("Docs site");
    await page.getByRole("radio", { name: /^Public/ }).check();
    await page.locator("#redirect_uris").fill("https://docs.example.com/cb");
    await page.getByRole("button", { name: "Register the app" }).click();
    await page.waitForSelector("h1:has-text('is registered')");
    await page.goto(`${issuer}/console/keys`);
    await page.locator("#key-name").fill("ci-deploy");
    await page.getByRole("checkbox", { name: "repos:read", exact: true }).check();
    await page.selectOption("#key-expires", "90d");
    await page.getByRole("button", { name: "Create key" }).click();
    await page.waitForSelector("#api-key");
    await page.goto(`${issuer}/console/keys`);
    ids.key = (await page.locator("#keys tbody tr").first().getAttribute("data-key-id"))!;

    expect(cspErrors).toEqual([]);
    sessions.dana = await context.storageState();
    await context.close();

    // Two more developers: one with no apps (the empty list), one whose pages register and create things,
    // so dana's lists look the same in every variant.
    for (const who of ["newbie", "sam"] as const) {
      const other = await newVariantContext(browser, PAGE_VARIANTS[0]);
      await signIn(await other.newPage(), who, "devs");
      sessions[who] = await other.storageState();
      await other.close();
    }
  }, 120_000);

  /** Every developer page: a URL to open, or steps that end on it (the answer to a POST). */
  const PAGES: { name: string; status: number; as?: "newbie" | "sam"; open: (page: Page) => Promise<unknown> }[] = [
    { name: "apps", status: 200, open: (p) => p.goto(`${issuer}/console/apps`) },
    { name: "apps-empty", status: 200, as: "newbie", open: (p) => p.goto(`${issuer}/console/apps`) },
    { name: "register", status: 200, open: (p) => p.goto(`${issuer}/console/apps/new`) },
    {
      name: "register-problems",
      status: 400,
      open: async (p) => {
        await p.goto(`${issuer}/console/apps/new`);
        await p.getByLabel("Name", { exact: false }).first().fill("Broken");
        await p.locator("#redirect_uris").fill("https://ok.example.com/cb\nhttps://bad.example.com/cb#fragment");
        await p.getByRole("checkbox", { name: "repos:write", exact: true }).check();
        return submitAndWait(p, "Register the app", "/console/apps");
      },
    },
    {
      name: "registered",
      status: 200,
      as: "sam",
      open: async (p) => {
        await p.goto(`${issuer}/console/apps/new`);
        await fillRegister(p, "Inventory sync");
        return submitAndWait(p, "Register the app", "/console/apps");
      },
    },
    { name: "app", status: 200, open: (p) => p.goto(`${issuer}/console/apps/${ids.billing}`) },
    { name: "app-disabled", status: 200, open: (p) => p.goto(`${issuer}/console/apps/${ids.disabled}`) },
    {
      name: "app-problems",
      status: 400,
      open: async (p) => {
        await p.goto(`${issuer}/console/apps/${ids.billing}`);
        await p.locator("#redirect_uris").fill("javascript:alert(1)");
        return submitAndWait(p, "Save changes to app Billing service", `/console/apps/${ids.billing}`);
      },
    },
    { name: "confirm-reset-secret", status: 200, open: (p) => p.goto(`${issuer}/console/apps/${ids.billing}/reset-secret`) },
    { name: "confirm-disable", status: 200, open: (p) => p.goto(`${issuer}/console/apps/${ids.billing}/disable`) },
    { name: "confirm-delete", status: 200, open: (p) => p.goto(`${issuer}/console/apps/${ids.billing}/delete`) },
    {
      name: "secret-reset",
      status: 200,
      open: async (p) => {
        await p.goto(`${issuer}/console/apps/${ids.billing}/reset-secret`);
        return submitAndWait(p, "Reset secret of app Billing service", `/console/apps/${ids.billing}/reset-secret`);
      },
    },
    { name: "keys", status: 200, open: (p) => p.goto(`${issuer}/console/keys`) },
    {
      name: "key-created",
      status: 200,
      as: "sam",
      open: async (p) => {
        await p.goto(`${issuer}/console/keys`);
        await p.locator("#key-name").fill("laptop");
        return submitAndWait(p, "Create key", "/console/keys");
      },
    },
    { name: "confirm-revoke-key", status: 200, open: (p) => p.goto(`${issuer}/console/keys/${ids.key}/revoke`) },
    { name: "not-found", status: 404, open: (p) => p.goto(`${issuer}/console/apps/client_doesnotexist`) },
  ];

  /** Click `button` and wait for the answer to its POST to `path` to load. */
  async function submitAndWait(page: Page, button: string, path: string) {
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${issuer}${path}` && r.request().method() === "POST"),
      page.getByRole("button", { name: button, exact: true }).click(),
    ]);
    await page.waitForLoadState();
    return res;
  }

  it.each(variantCases())(
    "every developer page at %s: a screenshot, no overflow, 44 px targets, named buttons, no CSP violation, no serious axe finding",
    async (_, v) => {
      expect(ids.billing, "the journey ran first").not.toBe("");
      const review = pageReview(ARTIFACTS);
      const contexts = new Map<string, BrowserContext>();
      for (const who of ["dana", "newbie", "sam"] as const) contexts.set(who, await newVariantContext(browser, v, { session: sessions[who]! }));
      for (const p of PAGES) await review.check(contexts.get(p.as ?? "dana")!, v, { name: `developer-${p.name}`, open: p.open, status: p.status });
      for (const context of contexts.values()) await context.close();
      review.expectNoProblems();
    },
    400_000,
  );
});
