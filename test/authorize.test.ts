/**
 * SECURITY.md "Authorization server" lines for /authorize, codes and PKCE, against the real app with the
 * dev connector standing in for a platform (its picker posts a made-up identity).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../src/clients/registry";
import { createTestApp, type TestApp } from "./support/app";
import { FakeBrowser } from "./support/fakes";
import { authorizeUrl, pkce } from "./support/login";
import { postForm } from "./support/oauth";

const ISSUER = "http://localhost:8787";
const CB = "https://app.example.com/cb";
let t: TestApp;
let pub: string;
let conf: { id: string; secret: string };

beforeAll(async () => {
  t = await createTestApp({ env: { AUTHBRIDGE_ISSUER: ISSUER, AUTHBRIDGE_DEV_LOGIN: "1", AUTHBRIDGE_RULES: JSON.stringify({ rules: [{ when: {}, grant: ["profile"] }] }) } });
  pub = (await createClient(t.deps.db, { name: "web", isPublic: true, redirectUris: [CB] })).client.id;
  const c = await createClient(t.deps.db, { name: "server", redirectUris: ["https://srv.example.com/cb"], grants: ["authorization_code", "refresh_token"] });
  conf = { id: c.client.id, secret: c.secret! };
});
afterAll(() => t.close());

/** Sign in with the dev picker and return the browser holding the bridge session. */
async function signedInBrowser(subject = "dev-1"): Promise<FakeBrowser> {
  const b = new FakeBrowser(t.app, ISSUER);
  const start = await b.request(`${ISSUER}/auth/dev/start?intent=login&return_to=%2Faccount`);
  const html = await start.text();
  const state = /name="state" value="([^"]+)"/.exec(html)?.[1];
  expect(state).toBeTruthy();
  const form = new URLSearchParams({ state: state!, impersonate: "github", subject, username: subject, orgs: "acme", teams: "" });
  const cb = await b.request(`${ISSUER}/auth/dev/callback`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER }, body: form.toString() });
  expect(cb.status).toBe(302);
  expect(b.cookie("ab_session")).toBeTruthy();
  return b;
}

function params(over: Record<string, string> = {}) {
  return { response_type: "code", client_id: pub, redirect_uri: CB, code_challenge: pkce().challenge, code_challenge_method: "S256", state: "s1", ...over };
}

async function codeFor(b: FakeBrowser, over: Record<string, string> = {}) {
  const { verifier, challenge } = pkce();
  const res = await b.request(authorizeUrl(ISSUER, params({ code_challenge: challenge, ...over })));
  expect(res.status).toBe(302);
  const loc = new URL(res.headers.get("location")!);
  return { code: loc.searchParams.get("code")!, verifier, loc };
}

describe("/authorize", () => {
  it("refuses redirect URIs that are not exactly registered, without redirecting to them", async () => {
    for (const bad of [
      `${CB}/`,
      `${CB}/extra`,
      "https://evil.app.example.com/cb",
      "https://app.example.com@evil.com/cb",
      "https://good@evil.com/cb",
      "https:evil.com/cb",
      "https://app.example.com:8443/cb",
      "http://app.example.com/cb",
      `${CB}?x=1`,
      `${CB}#f`,
      "HTTPS://APP.EXAMPLE.COM/cb",
    ]) {
      const res = await t.app.request(authorizeUrl(ISSUER, params({ redirect_uri: bad })));
      expect(res.status, bad).toBe(400);
      expect(res.headers.get("location"), bad).toBeNull();
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    }
    const unknown = await t.app.request(authorizeUrl(ISSUER, params({ client_id: "client_nope" })));
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get("location")).toBeNull();
  });

  it("requires PKCE S256 and answers errors at the registered redirect_uri with state and iss", async () => {
    const missing = await t.app.request(authorizeUrl(ISSUER, params({ code_challenge: "" })));
    expect(missing.status).toBe(302);
    const loc = new URL(missing.headers.get("location")!);
    expect(loc.origin + loc.pathname).toBe(CB);
    expect(loc.searchParams.get("error")).toBe("invalid_request");
    expect(loc.searchParams.get("state")).toBe("s1");
    expect(loc.searchParams.get("iss")).toBe(ISSUER);
    const variants: Record<string, string>[] = [{ code_challenge_method: "plain" }, { code_challenge_method: "" }, { code_challenge: "short" }];
    for (const over of variants) {
      const res = await t.app.request(authorizeUrl(ISSUER, params(over)));
      expect(new URL(res.headers.get("location")!).searchParams.get("error")).toBe("invalid_request");
    }
  });

  it("has no implicit flow", async () => {
    const res = await t.app.request(authorizeUrl(ISSUER, params({ response_type: "token" })));
    expect(new URL(res.headers.get("location")!).searchParams.get("error")).toBe("unsupported_response_type");
  });

  it("shows a chooser without a session and skips it with one", async () => {
    const res = await t.app.request(authorizeUrl(ISSUER, params()));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("/auth/dev/start?intent=login");
    const b = await signedInBrowser();
    const { code } = await codeFor(b);
    expect(code).toMatch(/^ac_/);
  });
});

describe("authorization codes", () => {
  it("a code works once with the right verifier; a replay fails and revokes what it issued", async () => {
    const b = await signedInBrowser();
    const { code, verifier } = await codeFor(b);
    const first = await postForm(t.app, "/token", { grant_type: "authorization_code", code, redirect_uri: CB, code_verifier: verifier, client_id: pub });
    expect(first.status).toBe(200);
    const issued = (await first.json()) as { access_token: string; refresh_token: string };
    const replay = await postForm(t.app, "/token", { grant_type: "authorization_code", code, redirect_uri: CB, code_verifier: verifier, client_id: pub });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: "invalid_grant" });
    const introspected = await postForm(t.app, "/introspect", { token: issued.access_token }, conf);
    expect(await introspected.json()).toEqual({ active: false });
    const refresh = await postForm(t.app, "/token", { grant_type: "refresh_token", refresh_token: issued.refresh_token, client_id: pub });
    expect(refresh.status).toBe(400);
  });

  it("refuses a wrong or missing verifier, another redirect_uri and another client", async () => {
    const b = await signedInBrowser();
    const tries: Array<[Record<string, string>, string]> = [
      [{ code_verifier: pkce().verifier }, "invalid_grant"],
      [{ code_verifier: "" }, "invalid_request"],
      [{ redirect_uri: `${CB}/other` }, "invalid_grant"],
    ];
    for (const [over, error] of tries) {
      const { code, verifier } = await codeFor(b);
      const res = await postForm(t.app, "/token", { grant_type: "authorization_code", code, redirect_uri: CB, code_verifier: verifier, client_id: pub, ...over });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error });
    }
    const { code, verifier } = await codeFor(b);
    const other = await postForm(t.app, "/token", { grant_type: "authorization_code", code, redirect_uri: CB, code_verifier: verifier }, conf);
    expect(await other.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("expires after 60 s", async () => {
    const b = await signedInBrowser();
    const { code, verifier } = await codeFor(b);
    t.advance(61_000);
    const res = await postForm(t.app, "/token", { grant_type: "authorization_code", code, redirect_uri: CB, code_verifier: verifier, client_id: pub });
    expect(await res.json()).toMatchObject({ error: "invalid_grant" });
  });
});

describe("account page", () => {
  it("carries secure headers and refuses cross-site or tokenless posts", async () => {
    const b = await signedInBrowser("page-user");
    const page = await b.request(`${ISSUER}/account`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    const html = await page.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
    expect(csrf).toBeTruthy();
    const form = (token: string) => ({ method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER }, body: `csrf=${token}` });
    const crossSite = await b.request(`${ISSUER}/logout`, { ...form(csrf!), headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example.com" } });
    expect(crossSite.status).toBe(403);
    const sid = /action="\/account\/sessions\/([^/]+)\/revoke"/.exec(html)?.[1];
    const noToken = await b.request(`${ISSUER}/account/sessions/${sid}/revoke`, form("forged"));
    expect(noToken.status).toBe(401);
    expect((await b.request(`${ISSUER}/account`)).status).toBe(200); // still signed in
    const logout = await b.request(`${ISSUER}/logout`, form(csrf!));
    expect(logout.status).toBe(303); // never 307 after a POST
    expect((await b.request(`${ISSUER}/account`)).status).toBe(302);
  });

  it("unlinking the last identity is refused", async () => {
    const b = await signedInBrowser("lonely");
    const html = await (await b.request(`${ISSUER}/account`)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1]!;
    const id = /action="\/account\/identities\/([^/]+)\/unlink"/.exec(html)?.[1];
    const res = await b.request(`${ISSUER}/account/identities/${id}/unlink`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER }, body: `csrf=${csrf}` });
    expect(res.status).toBe(409);
  });
});

describe("malformed input", () => {
  it("fuzzed /authorize queries and /userinfo credentials never answer 5xx", async () => {
    const b = await signedInBrowser("fuzz");
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom("response_type", "client_id", "redirect_uri", "code_challenge", "code_challenge_method", "state", "scope", "resource", "provider", "prompt"), fc.string({ maxLength: 60 })),
        fc.boolean(),
        async (params, withValidClient) => {
          const q = withValidClient ? { ...params, client_id: pub, redirect_uri: CB } : params;
          const res = await b.request(authorizeUrl(ISSUER, q));
          expect(res.status).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (value) => {
        let res: Response;
        try {
          res = await t.app.request("/userinfo", { headers: { authorization: value } });
        } catch {
          return; // not a valid header value: nothing reached the app
        }
        expect(res.status).toBe(401);
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
      }),
      { numRuns: 150 },
    );
  });
});
