/**
 * What a console page answers when a management service refuses (src/admin/errors.ts): the thing is not
 * there or not the viewer's → 404 (the same page either way, so ids of others' things do not leak); the
 * viewer may not do this to it → 403; its state does not allow it → 409; input the page could not show
 * next to a form → 400. Each page offers a way back. Anything that is not an AdminError is rethrown.
 */
import type { Context } from "hono";
import { AdminError } from "../../admin/errors";
import { errorPage } from "../../ui/error-page";

/** Where the error page leads back to, and what the missing thing is called ("app", "API key"). */
export interface AdminErrorContext {
  what: string;
  back: { href: string; label: string };
}

const STATUS = { not_found: 404, forbidden: 403, conflict: 409, invalid_input: 400 } as const;

/**
 * The error page for a refused management operation.
 * @example try { … } catch (e) { return adminErrorPage(c, e, { what: "app", back: { href: "/console/apps", label: "Back to your apps" } }); }
 */
export function adminErrorPage(c: Context, error: unknown, ctx: AdminErrorContext): Response | Promise<Response> {
  if (!(error instanceof AdminError)) throw error;
  if (error.code === "not_found") {
    return errorPage(c, { status: 404, title: `No such ${ctx.what}`, message: `There is no ${ctx.what} with that id among the ones you can see.`, link: ctx.back });
  }
  const title = error.code === "forbidden" ? "Not allowed" : error.code === "conflict" ? "Cannot do that now" : "Cannot do that";
  return errorPage(c, { status: STATUS[error.code], title, message: sentence(error.message), link: ctx.back });
}

/** The service's message as a sentence: capitalised, with a full stop. */
function sentence(message: string): string {
  const s = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}
