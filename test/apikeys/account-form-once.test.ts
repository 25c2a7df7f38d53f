/**
 * The account page's new-key form can be sent once: the key is shown in that one answer, so a reload that
 * re-sends the form is told the form was used instead of creating a second key. The token is the
 * session's own, one per drawing of the page.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listApiKeys } from "../../src/apikeys/registry";
import { consoleApp, csrfOf, ISSUER, signedIn } from "../console/support";
import type { TestApp } from "../support/app";
import type { FakeBrowser } from "../support/fakes";

let t: TestApp;
beforeAll(async () => {
  t = await consoleApp();
});
afterAll(() => t?.close());

const onceOf = (html: string): string => {
  const token = /name="once" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error("no one-time token on the new-key form");
  return token;
};

async function accountForm(b: FakeBrowser): Promise<{ csrf: string; once: string }> {
  const html = await (await b.request(`${ISSUER}/account`)).text();
  return { csrf: csrfOf(html), once: onceOf(html) };
}

const send = (b: FakeBrowser, fields: Record<string, string>) =>
  b.request(`${ISSUER}/account/api-keys`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER },
    body: new URLSearchParams({ name: "ci", expires: "never", ...fields }).toString(),
  });

async function keyCount(b: FakeBrowser): Promise<number> {
  const html = await (await b.request(`${ISSUER}/account`)).text();
  const accountId = /acct_[A-Za-z0-9_-]+/.exec(html)?.[0];
  if (!accountId) throw new Error("no account id on the page");
  return (await listApiKeys(t.deps.db, { kind: "account", accountId })).length;
}

describe("the new-key form on /account", () => {
  it("creates one key; re-sending the same form (a reload) answers 409 and creates none", async () => {
    const b = await signedIn(t, "ana", "");
    const form = await accountForm(b);
    const first = await send(b, form);
    expect(first.status).toBe(200);
    expect(await first.text()).toMatch(/abk_[A-Za-z0-9]+/);
    const before = await keyCount(b);
    const again = await send(b, form);
    expect(again.status).toBe(409);
    const page = await again.text();
    expect(page).toContain("This form was already sent");
    expect(page).not.toMatch(/abk_[A-Za-z0-9]{20,}/);
    expect(await keyCount(b)).toBe(before);
    // A fresh drawing of the page gives a fresh form.
    expect((await send(b, await accountForm(b))).status).toBe(200);
    expect(await keyCount(b)).toBe(before + 1);
  });

  it("refuses a missing or made-up token, and another session's", async () => {
    const b = await signedIn(t, "bo", "");
    const other = await signedIn(t, "cy", "");
    const { csrf } = await accountForm(b);
    expect((await send(b, { csrf })).status).toBe(409);
    expect((await send(b, { csrf, once: "AAAAAAAAAAAAAAAAAAAAAA" })).status).toBe(409);
    const theirs = await accountForm(other);
    expect((await send(b, { csrf, once: theirs.once })).status).toBe(409);
    expect(await keyCount(b)).toBe(0);
  });
});
