/**
 * Helpers for the operator console's tests: reading pages and posting forms as a signed-in browser,
 * finding accounts by username, reading a page's visible text, and filling the operator route table's
 * path parameters.
 */
import { listAccounts } from "../../src/admin/accounts";
import type { OperatorRoute } from "../../src/console/operator/route";
import type { TestApp } from "../support/app";
import type { FakeBrowser } from "../support/fakes";
import { csrfOf, ISSUER } from "./support";

/** A page as the browser got it. */
export interface Got {
  status: number;
  location: string | null;
  html: string;
}

/**
 * GET `path` (no redirect followed).
 * @example const { status, html } = await open(ops, "/console/admin/clients");
 */
export async function open(b: FakeBrowser, path: string): Promise<Got> {
  const res = await b.request(`${ISSUER}${path}`);
  return { status: res.status, location: res.headers.get("location"), html: await res.text() };
}

/** How a test form is sent: the CSRF token (taken from `/account` unless given; `false` leaves it out) and the Origin header. */
export interface PostOptions {
  csrf?: string | false;
  origin?: string | null;
}

/**
 * POST a console form as the browser would (same origin, the session's token) unless told otherwise.
 * @example await post(ops, `/console/admin/accounts/${id}/block`);
 */
export async function post(b: FakeBrowser, path: string, fields: Record<string, string> = {}, opts: PostOptions = {}): Promise<Got> {
  const body = new URLSearchParams(fields);
  const csrf = opts.csrf === undefined ? csrfOf((await open(b, "/account")).html) : opts.csrf;
  if (csrf !== false) body.set("csrf", csrf);
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  const origin = opts.origin === undefined ? ISSUER : opts.origin;
  if (origin !== null) headers.origin = origin;
  const res = await b.request(`${ISSUER}${path}`, { method: "POST", headers, body: body.toString() });
  return { status: res.status, location: res.headers.get("location"), html: await res.text() };
}

/**
 * The account id of the dev-login user `username`.
 * @example const bob = await accountIdOf(t, "bob");
 */
export async function accountIdOf(t: TestApp, username: string): Promise<string> {
  const { items } = await listAccounts(t.deps, { q: username });
  const a = items.find((x) => x.identities.some((i) => i.username === username));
  if (!a) throw new Error(`no account for ${username}`);
  return a.id;
}

/**
 * What a reader sees of `html` (tags dropped, so attribute values such as `datetime` do not count), with
 * whitespace collapsed.
 * @example expect(visibleText(html)).toContain("Account blocked");
 */
export function visibleText(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/\s+/g, " ")
    .replace(/ ([,.;:)])/g, "$1")
    .replace(/\( /g, "(")
    .trim();
}

/**
 * A route's path with its parameters filled from `values`; a parameter `values` does not name throws, so a
 * new kind of route cannot slip past a walk of the table.
 * @example fill(route, { clientId: "client_1" })
 */
export function fill(route: OperatorRoute, values: Record<string, string>): string {
  return route.path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no value for :${name} in ${route.method} ${route.path}`);
    return encodeURIComponent(v);
  });
}

/**
 * The `href` of the link or the `action` of the form whose accessible name (its `aria-label`, or a button's
 * text) is `label`.
 * @example targetOf(html, "Block account bob") // "/console/admin/accounts/acct_…/block"
 */
export function targetOf(html: string, label: string): string {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const link = new RegExp(`<a [^>]*href="([^"]+)"[^>]*aria-label="${escaped}"`).exec(html);
  if (link?.[1]) return link[1].replace(/&amp;/g, "&");
  const form = new RegExp(`<form [^>]*action="([^"]+)"[^>]*>(?:(?!</form>)[\\s\\S])*(?:aria-label="${escaped}"|>\\s*${escaped}\\s*</button>)`).exec(html);
  if (form?.[1]) return form[1].replace(/&amp;/g, "&");
  throw new Error(`nothing named "${label}" on the page`);
}
