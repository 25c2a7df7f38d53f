/**
 * An app's OpenID Connect settings in the developer console, in a real browser (Debian's Chromium through
 * playwright-core) against the real Node server, signed in through the dev login as a member of `devs`:
 * register a web app choosing its ID-token algorithm, signed UserInfo and post-logout redirect URIs in the
 * form's "OpenID Connect" fieldset (by their labels, as a person would), see them on the app's page and in
 * what the server reads, change them back to the defaults on the edit form, and meet a bad URI as a
 * problem linked to its field — all under the CSP the pages really have.
 *
 * Then the pages with the fieldset — the register form, the app's page, the edit form with a problem — in
 * every variant through the shared checks (page-checks.ts): the frame, nothing wider than the window (the
 * fieldset and the long URIs inside it), 44 px targets, named buttons, no CSP violation, axe-core with
 * nothing `serious` or `critical`; screenshots in test-artifacts/console-oidc/ for a person to look at.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { oidcSettings, type OidcClientSettings } from "../../src/oidc/client-settings";
import { signInWithDevLogin } from "./dev-sign-in";
import { artifactsDir, hasChromium, newVariantContext, pageReview, variantCases, type Session } from "./page-checks";
import { startPageServer, type PageServer } from "./page-server";
import { PAGE_VARIANTS } from "./variants";

const RULES = JSON.stringify({
  rules: [
    { when: { provider: "github", org: "devs" }, grant: ["authbridge:clients", "repos:read"] },
    { when: {}, grant: ["profile"] },
  ],
});
const CB = "https://grafana.example.com/login/generic_oauth";
// A long one: it must wrap on a phone, on the app's page and in the textarea.
const BYE = ["https://grafana.example.com/login", "com.example.grafana.desktop.companion.app:/oauth2/signed-out/return"];

let pages: PageServer;
let browser: Browser;
let issuer: string;
let ARTIFACTS: string;
let session: Session;
let appId = "";

beforeAll(async () => {
  if (!hasChromium) return;
  ARTIFACTS = artifactsDir("console-oidc");
  pages = await startPageServer({
    prefix: "authbridge-console-oidc-",
    // A person clicking through the pages in four variants is not an attack.
    env: { AUTHBRIDGE_RULES: RULES, RATE_LIMIT_PER_MINUTE: "100000" },
  });
  ({ issuer, browser } = pages);
}, 90_000);

afterAll(() => pages?.stop());

/** What the server reads for the app, from its own database file. */
function storedSettings(id: string): Promise<OidcClientSettings> {
  return pages.withDatabase((db) => oidcSettings(db, id));
}

/** Click `button` and wait for the answer to its POST to `path` to load; the answer. */
async function submitAndWait(page: Page, button: string, path: string) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${issuer}${path}` && r.request().method() === "POST"),
    page.getByRole("button", { name: button, exact: true }).click(),
  ]);
  await page.waitForLoadState();
  return res;
}

describe.skipIf(!hasChromium)("the OpenID Connect fieldset of the developer console in Chromium", () => {
  it("a developer registers an app with its OpenID Connect settings, sees them, and puts them back to the defaults", async () => {
    const context = await newVariantContext(browser, PAGE_VARIANTS[0]);
    const page = await context.newPage();
    const cspErrors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
    });
    await signInWithDevLogin(page, issuer, { subject: "4242", username: "grace", orgs: "devs" }, "/console");

    await page.goto(`${issuer}/console/apps/new`);
    const oidc = page.getByRole("group", { name: "OpenID Connect" });
    expect(await oidc.getByLabel("ID token algorithm").inputValue()).toBe("RS256");
    expect(await oidc.getByLabel("Signed UserInfo").inputValue()).toBe("");
    await page.getByLabel("Name", { exact: false }).first().fill("Grafana");
    await page.getByRole("radio", { name: /^Public/ }).check();
    await page.locator("#redirect_uris").fill(CB);
    await oidc.getByLabel("ID token algorithm").selectOption({ label: "ES256" });
    await oidc.getByLabel("Signed UserInfo").selectOption({ label: "Yes, signed with EdDSA" });
    await oidc.getByLabel("Post-logout redirect URIs").fill(BYE.join("\n"));
    await submitAndWait(page, "Register the app", "/console/apps");
    appId = (await page.locator("#client-id").textContent())!.trim();
    expect(await storedSettings(appId)).toEqual({ idTokenAlg: "ES256", userinfoAlg: "EdDSA", postLogoutRedirectUris: BYE });

    await page.goto(`${issuer}/console/apps/${appId}`);
    expect(await page.locator("#app-id-token-alg").innerText()).toBe("ES256");
    expect(await page.locator("#app-userinfo-alg").innerText()).toBe("Yes, signed with EdDSA");
    expect((await page.locator("#app-post-logout-uris").innerText()).split("\n")).toEqual(BYE);
    // The edit form starts from them.
    expect(await oidc.getByLabel("ID token algorithm").inputValue()).toBe("ES256");
    expect(await oidc.getByLabel("Signed UserInfo").inputValue()).toBe("EdDSA");
    expect(await oidc.getByLabel("Post-logout redirect URIs").inputValue()).toBe(BYE.join("\n"));

    // A bad URI: the page comes back with the problem linked to the field, which is marked invalid.
    await oidc.getByLabel("Post-logout redirect URIs").fill("http://grafana.example.com/bye");
    expect((await submitAndWait(page, "Save changes to app Grafana", `/console/apps/${appId}`)).status()).toBe(400);
    const problem = page.getByRole("link", { name: /^Post-logout redirect URI “http:\/\/grafana\.example\.com\/bye”: must be https/ });
    expect(await problem.getAttribute("href")).toBe("#post_logout_redirect_uris");
    expect(await page.locator("#post_logout_redirect_uris").getAttribute("aria-invalid")).toBe("true");
    expect(await storedSettings(appId)).toEqual({ idTokenAlg: "ES256", userinfoAlg: "EdDSA", postLogoutRedirectUris: BYE });

    // Back to the defaults (the page keeps what was chosen, so every control is set again here).
    await oidc.getByLabel("ID token algorithm").selectOption({ label: "RS256 (default)" });
    await oidc.getByLabel("Signed UserInfo").selectOption({ label: "No (JSON)" });
    await oidc.getByLabel("Post-logout redirect URIs").fill("");
    await Promise.all([page.waitForURL(/\?done=updated$/), page.getByRole("button", { name: "Save changes to app Grafana" }).click()]);
    expect(await page.getByRole("status").innerText()).toBe("Your changes were saved.");
    expect(await page.locator("#app-userinfo-alg").innerText()).toBe("No (JSON)");
    expect(await storedSettings(appId)).toEqual({ idTokenAlg: "RS256", userinfoAlg: null, postLogoutRedirectUris: [] });

    // Registered again for the pages below: an app whose page shows every setting.
    await oidc.getByLabel("Signed UserInfo").selectOption({ label: "Yes, signed with ES256" });
    await oidc.getByLabel("Post-logout redirect URIs").fill(BYE.join("\n"));
    await Promise.all([page.waitForURL(/\?done=updated$/), page.getByRole("button", { name: "Save changes to app Grafana" }).click()]);
    expect(await storedSettings(appId)).toEqual({ idTokenAlg: "RS256", userinfoAlg: "ES256", postLogoutRedirectUris: BYE });

    expect(cspErrors).toEqual([]);
    session = await context.storageState();
    await context.close();
  }, 120_000);

  it.each(variantCases())(
    "the pages with the fieldset at %s: a screenshot, no overflow, 44 px targets, named buttons, no CSP violation, no serious axe finding",
    async (_, v) => {
      expect(appId, "the journey ran first").not.toBe("");
      const review = pageReview(ARTIFACTS);
      const context = await newVariantContext(browser, v, { session });
      await review.check(context, v, { name: "oidc-register", open: `${issuer}/console/apps/new`, status: 200, inWindow: ["#oidc", "#post_logout_redirect_uris"] });
      await review.check(context, v, { name: "oidc-app", open: `${issuer}/console/apps/${appId}`, status: 200, inWindow: ["#app-post-logout-uris", "#oidc"] });
      await review.check(context, v, {
        name: "oidc-app-problems",
        status: 400,
        inWindow: ["#form-problems", "#post_logout_redirect_uris-problem"],
        open: async (page) => {
          await page.goto(`${issuer}/console/apps/${appId}`);
          await page.locator("#post_logout_redirect_uris").fill(`${BYE[1]}\njavascript:alert(document.domain)`);
          return submitAndWait(page, "Save changes to app Grafana", `/console/apps/${appId}`);
        },
      });
      await context.close();
      review.expectNoProblems();
    },
    200_000,
  );
});
