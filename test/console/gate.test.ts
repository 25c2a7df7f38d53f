/** Who gets into which part of the console: sign-in first, then entitlements from the rules. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApp } from "../support/app";
import { FakeBrowser } from "../support/fakes";
import { consoleApp, ISSUER, signedIn } from "./support";

let t: TestApp;
beforeAll(async () => {
  t = await consoleApp();
});
afterAll(() => t?.close());

const get = (b: FakeBrowser, path: string) => b.request(`${ISSUER}${path}`, { redirect: "manual" } as RequestInit);

describe("the console's gate", () => {
  it("sends a stranger to sign in, and back to the console after", async () => {
    const res = await get(new FakeBrowser(t.app, ISSUER), "/console");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/signin?to=console");
    const chooser = await (await t.app.request("/signin?to=console")).text();
    expect(chooser).toContain("return_to=%2Fconsole");
    for (const path of ["/console/apps", "/console/admin/clients"]) expect((await get(new FakeBrowser(t.app, ISSUER), path)).headers.get("location")).toBe("/signin?to=console");
  });

  it("refuses an account with neither scope, everywhere, with a way out", async () => {
    const b = await signedIn(t, "nobody", "elsewhere");
    for (const path of ["/console", "/console/apps", "/console/admin/clients"]) {
      const res = await get(b, path);
      expect(res.status, path).toBe(403);
      const html = await res.text();
      expect(html).toContain('href="/account"');
    }
  });

  it("lets a developer into their own section and not the operator's", async () => {
    const b = await signedIn(t, "dana", "devs");
    const landing = await get(b, "/console");
    expect(landing.headers.get("location")).toBe("/console/apps");
    const apps = await get(b, "/console/apps");
    expect(apps.status).toBe(200);
    const html = await apps.text();
    expect(html).toContain("<h1>Your apps</h1>");
    expect(html).not.toContain('href="/console/admin/clients"'); // the nav offers only what they may open
    expect((await get(b, "/console/admin/clients")).status).toBe(403);
  });

  it("lets an operator into both", async () => {
    const b = await signedIn(t, "olga", "ops");
    expect((await get(b, "/console")).headers.get("location")).toBe("/console/admin/clients");
    const clients = await get(b, "/console/admin/clients");
    expect(clients.status).toBe(200);
    expect(await clients.text()).toContain('aria-current="page"');
    expect((await get(b, "/console/apps")).status).toBe(200);
  });
});
