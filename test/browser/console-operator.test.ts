/**
 * The operator's console in a real browser (Debian's Chromium through playwright-core) against the real
 * Node server (`src/node.ts`), everyone signed in through the dev login (org `ops` → authbridge:admin, org
 * `devs` → authbridge:clients):
 * - the journey: bob (a developer) creates an API key on /account and holds an access token from
 *   /authorize; the operator finds bob, reads why he has `authbridge:clients` (the rule for the org), blocks
 *   him through the confirmation page, and bob's token stops at /introspect and his key at /token; the audit
 *   page shows the block with the operator as actor and bob's key with bob as actor; the operator rotates
 *   the signing key (confirmed), the old key stays published, and the audit log names the operator;
 * - every operator page (walked from the route table's GET routes) in every variant through the shared
 *   checks (page-checks.ts): screenshots into test-artifacts/console/ (gitignored) for a person to look at,
 *   the frame (one `<h1>`), nothing wider than the window, every button named and at least 44 px tall, no
 *   ISO time, no CSP violation, and axe-core finding nothing serious or critical.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/clients/registry";
import { OPERATOR_ROUTES } from "../../src/console/operator/table";
import { CONSOLE_RULES } from "../console/support";
import { pkce } from "../support/login";
import { signInWithDevLogin } from "./dev-sign-in";
import { artifactsDir, hasChromium, newVariantContext, pageReview, variantCases, type Session } from "./page-checks";
import { startPageServer, type PageServer } from "./page-server";
import { PAGE_VARIANTS } from "./variants";

const CB = "https://app.example.com/cb"; // never visited: the code is read from the redirect
const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const API_KEY_TYPE = "urn:authbridge:token-type:api-key";

let pages: PageServer;
let browser: Browser;
let issuer: string;
let web: string;
let rs: { id: string; secret: string };
let ARTIFACTS: string;

beforeAll(async () => {
  if (!hasChromium) return;
  ARTIFACTS = artifactsDir("console");
  pages = await startPageServer({
    prefix: "authbridge-console-operator-",
    // A person clicking through every page in four variants is not an attack.
    env: { AUTHBRIDGE_RULES: JSON.stringify(CONSOLE_RULES), RATE_LIMIT_PER_MINUTE: "100000" },
  });
  ({ issuer, browser } = pages);
  await pages.withDatabase(async (db) => {
    web = (await createClient(db, { name: "Web shop", isPublic: true, redirectUris: [CB] })).client.id;
    const api = await createClient(db, { name: "Orders API", introspectAudiences: [issuer] });
    rs = { id: api.client.id, secret: api.secret! };
  });
}, 90_000);

afterAll(() => pages?.stop());

/** Sign in on `page` through the dev login as GitHub user `username` in `orgs`, landing on `to`. */
const signIn = (page: Page, username: string, orgs: string, to: "/account" | "/console") => signInWithDevLogin(page, issuer, { subject: username, orgs }, to);

/** An access token for the account signed in on `page`: /authorize with its cookies, the code at /token. */
async function accessToken(page: Page): Promise<string> {
  const { verifier, challenge } = pkce();
  const q = new URLSearchParams({ response_type: "code", client_id: web, redirect_uri: CB, code_challenge: challenge, code_challenge_method: "S256", state: "s" });
  const res = await page.request.get(`${issuer}/authorize?${q}`, { maxRedirects: 0 });
  expect(res.status(), await res.text()).toBe(302);
  const code = new URL(res.headers().location!).searchParams.get("code")!;
  const tok = await fetch(`${issuer}/token`, { method: "POST", body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: CB, code_verifier: verifier, client_id: web }) });
  expect(tok.status).toBe(200);
  return ((await tok.json()) as { access_token: string }).access_token;
}

async function introspect(token: string): Promise<{ active: boolean }> {
  const res = await fetch(`${issuer}/introspect`, {
    method: "POST",
    headers: { authorization: `Basic ${btoa(`${rs.id}:${rs.secret}`)}` },
    body: new URLSearchParams({ token }),
  });
  return (await res.json()) as { active: boolean };
}

const exchange = (key: string) => fetch(`${issuer}/token`, { method: "POST", body: new URLSearchParams({ grant_type: TOKEN_EXCHANGE, subject_token: key, subject_token_type: API_KEY_TYPE }) });

/** Create an API key on /account; the answer shows it once. */
async function createKey(page: Page, name: string): Promise<string> {
  await page.goto(`${issuer}/account`);
  await page.getByLabel("Name").fill(name);
  await Promise.all([page.waitForURL(`${issuer}/account/api-keys`), page.getByRole("button", { name: "Create key" }).click()]);
  return (await page.locator("#new-api-key-value").textContent())!.trim();
}

/** A row's cells as a reader sees them (the stacked labels are CSS, not text). */
const cells = (page: Page, row: string) => page.locator(row).locator("td").allInnerTexts();

describe.skipIf(!hasChromium)("the operator console in a browser", () => {
  let operator: Session;
  let bobId: string;

  it("an operator blocks an account on its page: its token stops at /introspect and its key at /token; the audit log shows who did what", async () => {
    // bob, a developer: an API key made on /account (his change) and an access token.
    const bobCtx = await newVariantContext(browser, PAGE_VARIANTS[0]);
    const bob = await bobCtx.newPage();
    await signIn(bob, "bob", "devs", "/account");
    const key = await createKey(bob, "deploy");
    const token = await accessToken(bob);
    expect((await introspect(token)).active).toBe(true);
    expect((await exchange(key)).status).toBe(200);

    // The operator lands on the clients and goes to the accounts through the nav.
    const opsCtx = await newVariantContext(browser, PAGE_VARIANTS[0]);
    const page = await opsCtx.newPage();
    await signIn(page, "olga", "ops", "/console");
    expect(new URL(page.url()).pathname).toBe("/console/admin/clients");
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Accounts" }).click();
    await page.getByLabel("Search accounts").fill("bob");
    await Promise.all([page.waitForURL(/\/console\/admin\/accounts\?q=bob/), page.getByRole("button", { name: "Search accounts" }).click()]);
    await Promise.all([page.waitForURL(/\/console\/admin\/accounts\/acct_/), page.getByRole("link", { name: "bob", exact: true }).click()]);
    bobId = new URL(page.url()).pathname.split("/").pop()!;
    expect(await page.locator("h1").textContent()).toBe("bob");
    // Why does bob have authbridge:clients? The rule for members of the GitHub org devs, matched by his identity.
    expect((await cells(page, 'tr[data-entitlement="authbridge:clients"]')).join(" | ")).toMatch(/Rule \$\.rules\[1\] \(when provider github, org devs\), matched by GitHub \(dev\) bob/);

    // Block: a confirmation page first (a GET that changes nothing), then the POST button naming bob.
    await Promise.all([page.waitForURL(`${issuer}/console/admin/accounts/${bobId}/block`), page.getByRole("link", { name: "Block account bob" }).click()]);
    expect(await page.locator("h1").textContent()).toBe("Block the account bob?");
    expect((await introspect(token)).active).toBe(true);
    await Promise.all([page.waitForURL(`${issuer}/console/admin/accounts/${bobId}?done=blocked`), page.getByRole("button", { name: "Block account bob" }).click()]);
    expect(await page.locator("p[role=status]").textContent()).toContain("The account was blocked");
    expect(await page.getByRole("button", { name: "Unblock account bob" }).count()).toBe(1);

    expect(await introspect(token)).toEqual({ active: false });
    expect((await exchange(key)).status).toBe(400);

    // The audit log: the block by the operator, the key by bob, newest first, in words.
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Audit log" }).click();
    await page.getByLabel(/^Account/).fill(bobId);
    await Promise.all([page.waitForURL(/\/console\/admin\/audit\?/), page.getByRole("button", { name: "Filter the audit log" }).click()]);
    const blocked = await cells(page, 'tr[data-type="account.blocked"]');
    expect(blocked).toEqual([expect.stringMatching(/^(just now|1 minute ago)$/), "Account blocked", "olga", "bob", "none"]);
    const created = await cells(page, 'tr[data-type="api_key.created"]');
    expect(created.slice(1, 4)).toEqual(["API key created", "bob", "bob"]);
    expect(created[4]).toContain("name: deploy");
    const types = await page.locator("#audit-events tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-type")));
    expect(types.indexOf("account.blocked")).toBeLessThan(types.indexOf("api_key.created"));
    expect(await page.content()).not.toContain(key);

    // Rotate the signing key (through its confirmation page): the old key stays published beside the new one.
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Signing keys" }).click();
    const before = await page.locator("#signing-keys tbody tr").count();
    await Promise.all([page.waitForURL(`${issuer}/console/admin/signing-keys/rotate`), page.getByRole("link", { name: "Rotate the signing key" }).click()]);
    await Promise.all([page.waitForURL(`${issuer}/console/admin/signing-keys?done=rotated`), page.getByRole("button", { name: "Rotate the signing key" }).click()]);
    expect(await page.locator("#signing-keys tbody tr").count()).toBe(before + 1);
    expect(await page.locator("#signing-keys tbody tr").first().innerText()).toContain("Signs new tokens");
    expect(await page.locator("#signing-keys tbody tr").nth(1).innerText()).toContain("Published");
    await page.goto(`${issuer}/console/admin/audit?type=signing_key.rotated`);
    expect((await cells(page, 'tr[data-type="signing_key.rotated"]')).slice(1, 3)).toEqual(["Signing key rotated", "olga"]);

    operator = await opsCtx.storageState();
    await bobCtx.close();
    await opsCtx.close();
  }, 120_000);

  /** Every operator page to look at (each GET route of the table, filled), set up once: carl gets a session and a key. */
  let pagesOnce: Promise<{ name: string; path: string; status: number }[]> | undefined;
  function operatorPages() {
    pagesOnce ??= (async () => {
      const carlCtx = await newVariantContext(browser, PAGE_VARIANTS[0]);
      const carl = await carlCtx.newPage();
      await signIn(carl, "carl", "devs", "/account");
      await createKey(carl, "laptop");
      await carlCtx.close(); // the session stays live on the server
      const probeCtx = await newVariantContext(browser, PAGE_VARIANTS[0], { session: operator });
      const probe = await probeCtx.newPage();
      await probe.goto(`${issuer}/console/admin/accounts?q=carl`);
      await Promise.all([probe.waitForURL(/\/console\/admin\/accounts\/acct_/), probe.getByRole("link", { name: "carl", exact: true }).click()]);
      const ids: Record<string, string> = {
        clientId: web,
        accountId: new URL(probe.url()).pathname.split("/").pop()!,
        sessionId: (await probe.locator("tr[data-session-id]").first().getAttribute("data-session-id"))!,
        keyId: (await probe.locator("tr[data-key-id]").first().getAttribute("data-key-id"))!,
      };
      await probeCtx.close();
      const pages = OPERATOR_ROUTES.filter((r) => r.method === "GET").map((r) => ({
        name: `operator-${r.path.replace("/console/admin/", "").replace(/\/:([A-Za-z]+)Id/g, "-$1").replace(/\//g, "-")}`,
        path: r.path.replace(/:([A-Za-z]+)/g, (_, n: string) => ids[n]!),
        status: 200,
      }));
      // More states worth a look: a blocked account, a search, and the audit log's filters refused (400).
      pages.push({ name: "operator-account-blocked", path: `/console/admin/accounts/${bobId}`, status: 200 });
      pages.push({ name: "operator-audit-filtered", path: `/console/admin/audit?account=${bobId}`, status: 200 });
      pages.push({ name: "operator-audit-bad-filter", path: "/console/admin/audit?from=yesterday&to=2026-01-01", status: 400 });
      return pages;
    })();
    return pagesOnce;
  }

  it.each(variantCases())(
    "every operator page at %s: a screenshot, nothing wider than the window, named 44 px buttons, no ISO time, no CSP violation, no serious axe finding",
    async (_, v) => {
      expect(operator, "the journey ran first").toBeDefined();
      const pages = await operatorPages();
      const review = pageReview(ARTIFACTS);
      const context = await newVariantContext(browser, v, { session: operator });
      for (const p of pages) await review.check(context, v, { name: p.name, open: `${issuer}${p.path}`, status: p.status });
      await context.close();
      review.expectNoProblems();
    },
    480_000,
  );
});
