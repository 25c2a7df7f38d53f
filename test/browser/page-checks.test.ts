/**
 * The shared page checks (page-checks.ts) can fail: a page built to break each rule is caught on every
 * count, under the same CSP our pages send, and a page that keeps them all passes with nothing to say.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifactsDir, hasChromium, launchChromium, newVariantContext, pageReview } from "./page-checks";
import { tempDir } from "../support/temp";

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const HEAD = '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Page</title>';
const GOOD = `<!doctype html><html lang="en"><head>${HEAD}</head><body><main><h1>Fine</h1><p>Updated 3 minutes ago.</p>
<p id="keep">Short.</p><button style="min-height:44px">Save</button></main></body></html>`;
// No doctype (quirks), two h1s, a button too small and one without a name, a row wider than a phone, a
// time in ISO form, an inline script the CSP refuses, and grey on white.
const BAD = `<html lang="en"><head>${HEAD}</head><body><main><h1>One</h1><h1>Two</h1>
<button style="height:20px">Tiny</button><button style="height:48px"></button>
<div style="width:2000px">wide</div><p>Created 2026-01-02T03:04:05Z</p>
<p style="color:#eee;background:#fff">faint</p><script>document.title = "ran"</script></main></body></html>`;

const dir = tempDir("authbridge-page-checks-");
let server: http.Server;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  server = http.createServer((req, res) => {
    res.writeHead(req.url === "/bad" ? 400 : 200, { "content-type": "text/html; charset=utf-8", "content-security-policy": CSP });
    res.end(req.url === "/bad" ? BAD : GOOD);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  dir.remove();
});

describe.skipIf(!hasChromium)("the shared page checks", () => {
  it("find every broken rule on a bad page, and nothing on a good one", async () => {
    const v = { width: 390, dark: false } as const;
    const context = await newVariantContext(browser, v);
    const review = pageReview(dir.path);
    await review.check(context, v, { name: "bad", open: `${origin}/bad`, status: 400, inWindow: ["#nowhere"] });
    const problems = review.problems.join("\n");
    for (const expected of [
      'bad 390-light: doctype is null, not "html"',
      'compatMode is "BackCompat", not "CSS1Compat"',
      "h1s is 2, not 1",
      "px wider than the window",
      "button Tiny is 20.0 px tall",
      "#nowhere is missing or not inside the window",
      "a time written as 2026-01-02T03:04",
      "CSP violation:",
      "a button without an accessible name",
      "button-name (critical)",
      "color-contrast (serious)",
    ])
      expect(problems).toContain(expected);
    expect(() => review.expectNoProblems()).toThrow();

    const clean = pageReview(artifactsDir("page-checks"));
    await clean.check(context, v, { name: "good", open: `${origin}/good`, status: 200, inWindow: ["#keep"] });
    expect(clean.problems).toEqual([]);
    clean.expectNoProblems();
    // The status is held to what the test says.
    await expect(clean.check(context, v, { name: "good", open: (page) => page.goto(`${origin}/good`), status: 404 })).rejects.toThrow(/good 390-light/);
    await context.close();
  }, 60_000);
});
