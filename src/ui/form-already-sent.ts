/**
 * The answer to a form sent a second time (its one-time token spent: src/session/form-once.ts) — usually
 * a reload of the page that showed a new key or secret. It says what the first sending did and what to do
 * if that one-time answer is lost; nothing is created again.
 */
import type { Context } from "hono";
import { errorPage } from "./error-page";

/**
 * 409 "This form was already sent", with `what` (what the first sending did and the way out) and a link back.
 * @example return formAlreadySentPage(c, "A key was created from it and shown that once. …", { href: "/account", label: "Back" });
 */
export function formAlreadySentPage(c: Context, what: string, back: { href: string; label: string }): Response | Promise<Response> {
  return errorPage(c, { status: 409, title: "This form was already sent", message: `${what} (A reload sends a form again.)`, link: back });
}
