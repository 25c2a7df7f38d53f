/**
 * The console under test: the real app with a rules document that makes `ops` members operators and `devs`
 * members developers, and browsers signed in through the dev login (no platform fakes needed).
 */
import { createTestApp, type TestApp, type TestAppOptions } from "../support/app";
import { FakeBrowser } from "../support/fakes";

export const ISSUER = "http://localhost:8787";

/** Rules: GitHub org `ops` → authbridge:admin, org `devs` → authbridge:clients, everyone → profile. */
export const CONSOLE_RULES = {
  rules: [
    { when: { provider: "github", org: "ops" }, grant: ["authbridge:admin"] },
    { when: { provider: "github", org: "devs" }, grant: ["authbridge:clients"] },
    { when: {}, grant: ["profile"] },
  ],
};

/** The app with the console rules and the dev login. */
export function consoleApp(opts: TestAppOptions = {}): Promise<TestApp> {
  return createTestApp({ ...opts, env: { AUTHBRIDGE_ISSUER: ISSUER, AUTHBRIDGE_DEV_LOGIN: "1", AUTHBRIDGE_RULES: JSON.stringify(CONSOLE_RULES), ...opts.env } });
}

/**
 * A browser signed in as GitHub user `subject` in `orgs` (comma-separated) through the dev login.
 * @example const ops = await signedIn(t, "alice", "ops");
 */
export async function signedIn(t: TestApp, subject: string, orgs: string): Promise<FakeBrowser> {
  const b = new FakeBrowser(t.app, ISSUER);
  const html = await (await b.request(`${ISSUER}/auth/dev/start?intent=login&return_to=%2Fconsole`)).text();
  const state = /name="state" value="([^"]+)"/.exec(html)?.[1];
  if (!state) throw new Error("no dev login form");
  const form = new URLSearchParams({ state, impersonate: "github", subject, username: subject, orgs, teams: "" });
  const cb = await b.request(`${ISSUER}/auth/dev/callback`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER }, body: form.toString() });
  if (cb.status !== 302) throw new Error(`dev login answered ${cb.status}`);
  return b;
}

/** The form token on a console page (every form carries it). */
export function csrfOf(html: string): string {
  const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error("no CSRF token on the page");
  return token;
}
