/**
 * Errors reaching a person's browser are the HTML error page (a way out, a request id); API callers keep
 * problem+json. Pages answered by a route's own error page are covered with their routes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./support/app";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

describe("errors for browsers and for programs", () => {
  it("an unknown page navigated to in a browser is the HTML error page with a way out and the request id", async () => {
    const res = await t.app.request("/no-such-page", { headers: { "sec-fetch-mode": "navigate", accept: "text/html" } });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain("<main");
    expect(html).toMatch(/<a [^>]*href="\/"/);
    expect(html).toContain(res.headers.get("x-request-id")!);
  });

  it("the same address asked for by a program is problem+json; JSON routes stay JSON for browsers too", async () => {
    const api = await t.app.request("/no-such-page", { headers: { accept: "application/json" } });
    expect(api.status).toBe(404);
    expect(api.headers.get("content-type")).toBe("application/problem+json");
    const wellKnown = await t.app.request("/.well-known/nothing", { headers: { "sec-fetch-mode": "navigate", accept: "text/html" } });
    expect(wellKnown.headers.get("content-type")).toBe("application/problem+json");
    const mgmt = await t.app.request("/api/v1/nothing", { headers: { "sec-fetch-mode": "navigate", accept: "text/html" } });
    expect(mgmt.headers.get("content-type")).not.toMatch(/^text\/html/);
  });
});
