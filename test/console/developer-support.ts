/**
 * Helpers of the developer console tests: the app with rules that entitle `devs` members to a scope their
 * apps may be allowed, page reads and CSRF-carrying form posts through a FakeBrowser, and the audit rows.
 */
import { desc, eq } from "drizzle-orm";
import { auditEvents } from "../../src/db/schema";
import type { TestApp } from "../support/app";
import type { FakeBrowser } from "../support/fakes";
import { consoleApp, csrfOf, ISSUER, signedIn } from "./support";

/** ops → operators; devs → developers entitled to repos:read too (a scope their apps may be allowed). */
export const DEV_RULES = {
  rules: [
    { when: { provider: "github", org: "ops" }, grant: ["authbridge:admin"] },
    { when: { provider: "github", org: "devs" }, grant: ["authbridge:clients", "repos:read"] },
    { when: {}, grant: ["profile"] },
  ],
};

/** The console app with {@link DEV_RULES}. */
export function developerConsoleApp(): Promise<TestApp> {
  return consoleApp({ env: { AUTHBRIDGE_RULES: JSON.stringify(DEV_RULES) } });
}

/** The console app, and developer `dana` (in `devs`) signed in: her browser, account id and form token. */
export interface DeveloperWorld {
  t: TestApp;
  dana: FakeBrowser;
  danaId: string;
  csrf: string;
}

/**
 * Start {@link developerConsoleApp} with `dana` signed in (close `t` after the file).
 * @example let w: DeveloperWorld; beforeAll(async () => { w = await developerWorld(); });
 */
export async function developerWorld(): Promise<DeveloperWorld> {
  const t = await developerConsoleApp();
  const dana = await signedIn(t, "dana", "devs");
  return { t, dana, danaId: await accountOf(dana), csrf: await tokenOf(dana) };
}

/** A GET's status, body and Location. */
export async function open(b: FakeBrowser, path: string): Promise<{ status: number; html: string; location: string | null }> {
  const res = await b.request(`${ISSUER}${path}`);
  return { status: res.status, html: await res.text(), location: res.headers.get("location") };
}

/** Options of {@link send}: the form token (`null`: none), the one-time token (`null`: none) and the Origin header. */
export interface SendOptions {
  csrf?: string | null;
  /** Default: the one on the form's page, read first as a browser would have it (see FORM_PAGES). */
  once?: string | null;
  origin?: string;
}

/** The forms that carry a one-time token, and the page each is drawn on (the confirmation for a reset). */
const FORM_PAGES: ReadonlyArray<[RegExp, (path: string) => string]> = [
  [/^\/console\/apps$/, () => "/console/apps/new"],
  [/^\/console\/keys$/, () => "/console/keys"],
  [/^\/console\/apps\/[^/]+\/reset-secret$/, (path) => path],
];

/**
 * The one-time token of the form posted to `path`, read from the page it is drawn on; undefined when the
 * form has none or its page is not there for this browser.
 */
export async function onceFor(b: FakeBrowser, path: string): Promise<string | undefined> {
  const page = FORM_PAGES.find(([pattern]) => pattern.test(path))?.[1](path);
  if (!page) return undefined;
  return /name="once" value="([^"]+)"/.exec((await open(b, page)).html)?.[1];
}

/**
 * POST a form as a page would (same origin, with the browser's form token unless told otherwise).
 * @example await send(b, "/console/apps", { name: "Billing", grant: ["client_credentials"] }, { csrf: token });
 */
export async function send(b: FakeBrowser, path: string, fields: Record<string, string | string[]>, opts: SendOptions = {}) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
  if (opts.csrf !== null && opts.csrf !== undefined) body.append("csrf", opts.csrf);
  const once = opts.once === undefined ? await onceFor(b, path) : opts.once;
  if (once !== null && once !== undefined) body.append("once", once);
  const res = await b.request(`${ISSUER}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: opts.origin ?? ISSUER },
    body: body.toString(),
  });
  return { status: res.status, html: await res.text(), location: res.headers.get("location") };
}

/** The form token of a browser's session, read from a console page. */
export async function tokenOf(b: FakeBrowser): Promise<string> {
  return csrfOf((await open(b, "/console/apps/new")).html);
}

/** The account id of a signed-in browser (the account page shows it). */
export async function accountOf(b: FakeBrowser): Promise<string> {
  const html = await (await b.request(`${ISSUER}/account`)).text();
  const id = /Account id: (acct_[A-Za-z0-9_-]+)/.exec(html)?.[1];
  if (!id) throw new Error("no account id on /account");
  return id;
}

/** Audit rows of `type` about `subject`, newest first. */
export async function auditOf(t: TestApp, type: string, subject?: string) {
  const rows = await t.deps.db.select().from(auditEvents).where(eq(auditEvents.type, type)).orderBy(desc(auditEvents.id));
  return rows.filter((r) => subject === undefined || r.subject === subject);
}

/** Every audit row's id, to see that nothing was written. */
export async function auditCount(t: TestApp): Promise<number> {
  return (await t.deps.db.select({ id: auditEvents.id }).from(auditEvents)).length;
}

/** The text between a secret box's tags. */
export function secretIn(html: string, id: string): string {
  const m = new RegExp(`id="${id}"[^>]*>([^<]+)<`).exec(html);
  if (!m?.[1]) throw new Error(`no #${id} on the page`);
  return m[1].trim();
}

/** The client id on the "registered" page. */
export function clientIdIn(html: string): string {
  const m = /id="client-id"[^>]*>(client_[A-Za-z0-9_-]+)</.exec(html);
  if (!m?.[1]) throw new Error("no client id on the page");
  return m[1];
}
