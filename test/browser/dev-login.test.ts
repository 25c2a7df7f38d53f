/**
 * A person in a real browser (Debian's Chromium through playwright-core) against the real Node server
 * (`src/node.ts` as `npm start` runs it): authorize through the dev connector, land at the client, open the
 * account page, link a second identity and unlink it.
 */
import http from "node:http";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/clients/registry";
import { pkce } from "../support/login";
import { hasChromium } from "./page-checks";
import { startPageServer, type PageServer } from "./page-server";

let pages: PageServer;
let browser: Browser;
let clientApp: http.Server;
let issuer: string;
let callback: string;

beforeAll(async () => {
  if (!hasChromium) return;
  pages = await startPageServer({ prefix: "authbridge-browser-" });
  ({ issuer, browser } = pages);
  // The client application: shows what it received.
  clientApp = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<h1>client got ${new URL(req.url ?? "/", "http://x").searchParams.get("code") ? "a code" : "nothing"}</h1>`);
  });
  await new Promise<void>((r) => clientApp.listen(0, "127.0.0.1", () => r()));
  const addr = clientApp.address();
  callback = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/cb`;
}, 60_000);

afterAll(async () => {
  await pages?.stop();
  clientApp?.close();
});

describe.skipIf(!hasChromium)("in a browser", () => {
  it("authorize through the dev login, then link and unlink an identity on the account page", async () => {
    const { client } = await pages.withDatabase((db) => createClient(db, { name: "Demo app", isPublic: true, redirectUris: [callback] }));

    const page = await browser.newPage();
    const { challenge } = pkce();
    const url = new URL(`${issuer}/authorize`);
    for (const [k, v] of Object.entries({ response_type: "code", client_id: client.id, redirect_uri: callback, code_challenge: challenge, code_challenge_method: "S256", state: "xyz", provider: "dev" }))
      url.searchParams.set(k, v);
    await page.goto(url.href);
    expect(await page.locator("h1").textContent()).toBe("Dev login");
    await page.fill('input[name="subject"]', "7");
    await page.fill('input[name="username"]', "ada");
    await page.fill('input[name="orgs"]', "acme");
    await Promise.all([page.waitForURL((u) => u.href.startsWith(callback)), page.click('button[type="submit"]')]);
    const landed = new URL(page.url());
    expect(landed.searchParams.get("state")).toBe("xyz");
    expect(landed.searchParams.get("code")).toMatch(/^ac_/);
    expect(await page.locator("h1").textContent()).toBe("client got a code");

    await page.goto(`${issuer}/account`);
    expect(await page.locator("#identities li").count()).toBe(1);
    expect(await page.locator("#identities").textContent()).toContain("ada");

    await page.click('a[href^="/auth/dev/start?intent=link"]');
    await page.selectOption('select[name="impersonate"]', "discord");
    await page.fill('input[name="subject"]', "8");
    await page.fill('input[name="username"]', "ada-on-discord");
    await Promise.all([page.waitForURL(`${issuer}/account`), page.click('button[type="submit"]')]);
    expect(await page.locator("#identities li").count()).toBe(2);
    expect(await page.locator("#identities").textContent()).toContain("ada-on-discord");
    // Dev identities read as the platform they stand for.
    expect(await page.locator("#identities li strong").allTextContents()).toEqual(["GitHub (dev)", "Discord (dev)"]);
    await page.screenshot({ path: process.env.AUTHBRIDGE_SCREENSHOT ?? `${pages.dir}/account.png` });

    const second = page.locator("#identities li", { hasText: "ada-on-discord" });
    await Promise.all([page.waitForURL(/\/account\?done=unlinked$/), second.locator("button", { hasText: "Unlink" }).click()]);
    expect(await page.locator("#identities li").count()).toBe(1);
    expect(await page.locator("#identities").textContent()).not.toContain("ada-on-discord");
    expect(await page.locator("p[role=status]").textContent()).toBe("The identity was unlinked.");
    // The last identity cannot be unlinked: its button is disabled.
    expect(await page.locator("#identities li button").isDisabled()).toBe(true);
  }, 60_000);
});
