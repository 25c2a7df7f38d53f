/**
 * The developer's side of the console in a real browser (Debian's Chromium through playwright-core)
 * against the real Node server (`src/node.ts`), signed in through the dev login as a member of `devs`:
 * register a confidential client_credentials app, read its secret the one time it is shown, use it at
 * /token, reset the secret on the page and see the new one work and the old one refused (401
 * invalid_client). Then every developer page — the lists, the forms (also with problems), the pages that
 * show a secret once, the confirmation pages, an app disabled, a 404 — at 1280 and 390 px, light and dark:
 * a screenshot into test-artifacts/console/ (gitignored), no horizontal overflow, every control at least
 * 44 px tall, every button named, and axe-core finding nothing serious or critical. The pages forbid every
 * script, axe included, so the pages are opened in contexts with `bypassCSP`; the journey runs with the
 * CSP the pages really have and checks it is never violated.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AxeResults } from "axe-core";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeServer, type NodeServer } from "../support/node-server";
import { freePort, tempDir } from "../support/temp";
import { PAGE_VARIANTS } from "./variants";

const CHROMIUM = "/usr/bin/chromium";
// Outside CI a machine without Chromium skips this file; in CI (.ci/run installs it) it must run.
const hasChromium = existsSync(CHROMIUM) || process.env.CI === "true";
const ARTIFACTS = join(fileURLToPath(new URL("../../", import.meta.url)), "test-artifacts", "console");
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
// A developer's app is a third-party client: its tokens are for an API it names (one of its audiences).
const API = "https://api.example.com";
const RULES = JSON.stringify({
  rules: [
    { when: { provider: "github", org: "ops" }, grant: ["authbridge:admin"] },
    { when: { provider: "github", org: "devs" }, grant: ["authbridge:clients", "repos:read", "repos:write"] },
    { when: {}, grant: ["profile"] },
  ],
});

const dir = tempDir("authbridge-console-dev-");
let server: NodeServer;
let browser: Browser;
let issuer: string;

beforeAll(async () => {
  if (!hasChromium) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  const port = await freePort();
  issuer = `http://localhost:${port}`;
  server = await startNodeServer({
    cwd: dir.path,
    port,
    // A person clicking through every page in four variants is not an attack.
    env: { AUTHBRIDGE_ISSUER: issuer, AUTHBRIDGE_DEV_LOGIN: "1", HOST: "127.0.0.1", AUTHBRIDGE_RULES: RULES, RATE_LIMIT_PER_MINUTE: "100000" },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  dir.remove();
});

const VARIANTS = PAGE_VARIANTS;
type Variant = (typeof VARIANTS)[number];
const label = (v: Variant) => `${v.width}-${v.dark ? "dark" : "light"}`;
type Session = Awaited<ReturnType<BrowserContext["storageState"]>>;

/** A browser like a person's at this width and scheme (a phone below 500 px). */
function newContext(v: Variant, opts: { session?: Session; bypassCSP?: boolean } = {}): Promise<BrowserContext> {
  return browser.newContext({
    viewport: { width: v.width, height: v.width > 500 ? 900 : 844 },
    ...(v.width < 500 ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
    colorScheme: v.dark ? "dark" : "light",
    ...(opts.session ? { storageState: opts.session } : {}),
    ...(opts.bypassCSP ? { bypassCSP: true } : {}),
  });
}

/** Sign in on `page` through the dev login as GitHub user `subject` in `orgs`; the console lands on the apps. */
async function signIn(page: Page, subject: string, orgs: string) {
  await page.goto(`${issuer}/auth/dev/start?intent=login&return_to=%2Fconsole`);
  await page.fill('input[name="subject"]', subject);
  await page.fill('input[name="username"]', subject);
  await page.fill('input[name="orgs"]', orgs);
  await Promise.all([page.waitForURL(`${issuer}/console/apps`), page.getByRole("button", { name: "Sign in" }).click()]);
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

/** Layout facts: one main and h1, nothing wider than the window, and the controls a finger must hit. */
function facts(page: Page) {
  return page.evaluate(() => ({
    mains: document.querySelectorAll("main").length,
    h1s: document.querySelectorAll("h1").length,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    small: [...document.querySelectorAll<HTMLElement>("button, .button, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, nav a, label.check")]
      .map((el) => ({ what: `${el.tagName.toLowerCase()} ${(el.textContent ?? "").trim().slice(0, 40) || el.getAttribute("name") || ""}`, height: el.getBoundingClientRect().height }))
      .filter((t) => t.height < 44)
      .map((t) => `${t.what} is ${t.height.toFixed(1)} px tall`),
  }));
}

/** axe-core's findings and every button's accessible name, as assistive technology computes it. */
async function audit(page: Page): Promise<{ results: AxeResults; buttons: string[] }> {
  await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: typeof import("axe-core") }).axe;
    axe.setup();
    const buttons = [...document.querySelectorAll("button, [role=button], input[type=submit], a.button")].map((el) => axe.commons.text.accessibleText(el));
    axe.teardown();
    const results = await axe.run(document, { resultTypes: ["violations"] });
    return { results: JSON.parse(JSON.stringify(results)) as AxeResults, buttons };
  });
}

describe.skipIf(!hasChromium)("the developer console in a browser", () => {
  const sessions: Partial<Record<"dana" | "newbie" | "sam", Session>> = {};
  const ids = { billing: "", disabled: "", key: "" };

  it("register an app, read its secret once, use it at /token, reset it on the page: the new one works, the old one is refused", async () => {
    const context = await newContext(VARIANTS[0]);
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
      const other = await newContext(VARIANTS[0]);
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

  it.each(VARIANTS.map((v) => [label(v), v] as const))(
    "every developer page at %s: a screenshot, no overflow, 44 px targets, named buttons, no serious axe finding",
    async (_, v) => {
      expect(ids.billing, "the journey ran first").not.toBe("");
      const problems: string[] = [];
      const minor: string[] = [];
      const contexts = new Map<string, BrowserContext>();
      for (const who of ["dana", "newbie", "sam"] as const) contexts.set(who, await newContext(v, { session: sessions[who]!, bypassCSP: true }));
      for (const p of PAGES) {
        const where = `${p.name} ${label(v)}`;
        const page = await contexts.get(p.as ?? "dana")!.newPage();
        const res = (await p.open(page)) as { status(): number } | null;
        expect(res?.status(), where).toBe(p.status);
        await page.screenshot({ path: join(ARTIFACTS, `developer-${p.name}-${label(v)}.png`), fullPage: true });
        const f = await facts(page);
        expect({ mains: f.mains, h1s: f.h1s }, where).toEqual({ mains: 1, h1s: 1 });
        if (f.overflow > 0) problems.push(`${where}: ${f.overflow} px wider than the window`);
        for (const small of f.small) problems.push(`${where}: ${small}`);
        const { results, buttons } = await audit(page);
        for (const name of buttons) if (!name.trim()) problems.push(`${where}: a button without an accessible name`);
        for (const violation of results.violations) {
          const line = `${where}: ${violation.id} (${violation.impact}) ${violation.help}: ${violation.nodes.map((n) => n.target.join(" ")).join(", ")}`;
          if (violation.impact === "serious" || violation.impact === "critical") problems.push(line);
          else minor.push(line);
        }
        await page.close();
      }
      for (const context of contexts.values()) await context.close();
      // Moderate and minor findings are printed for the person reviewing the screenshots, not failed on.
      if (minor.length) console.log(`axe, moderate and minor:\n${minor.join("\n")}`);
      expect(problems).toEqual([]);
    },
    400_000,
  );
});
