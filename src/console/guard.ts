/**
 * The console's gate and form check, shared by its developer and operator routes:
 * - {@link consoleGuard}: nobody signed in → the sign-in page (back to the console after); signed in but
 *   not entitled → a 403 page with a way out; else `c.var.viewer` is set.
 * - {@link consoleForm}: a POST's fields, only when its session-bound CSRF token is right (hono/csrf, mounted
 *   in front of every console route, has already refused cross-origin posts).
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppDeps } from "../deps";
import type { SubjectEntitlements } from "../domain";
import { checkCsrfToken } from "../session/csrf";
import { errorPage } from "../ui/error-page";
import { consoleViewer, type ConsoleViewer } from "./viewer";

/** The Hono environment of console routes. */
export type ConsoleEnv = { Variables: { viewer: ConsoleViewer } };

/** Who may open a route: a developer (or operator), or only an operator. */
export type ConsoleAudience = "developer" | "operator";

/** The 403 page of the console (also for a developer opening an operator page). */
export function consoleForbidden(c: Context) {
  return errorPage(c, {
    status: 403,
    title: "Not for this account",
    message: "Your account is not entitled to this part of the console. Ask an operator to grant it through the rules document.",
    link: { href: "/account", label: "Go to your account" },
  });
}

/**
 * Gate console routes for `who`.
 * @example app.use("/console/admin/*", consoleGuard(deps, entitlements, "operator"));
 */
export function consoleGuard(deps: AppDeps, entitlements: SubjectEntitlements, who: ConsoleAudience): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const viewer = await consoleViewer(c, deps, entitlements);
    if (!viewer) return c.redirect("/signin?to=console", 302);
    if (who === "operator" ? !viewer.operator : !viewer.developer) return consoleForbidden(c);
    c.set("viewer", viewer);
    await next();
  };
}

/** A form field's value (the last one when repeated), or undefined. */
export type ConsoleFormFields = Record<string, string | string[]>;

/**
 * The fields of a console POST when its CSRF token is right; null otherwise (answer 403).
 * @example const form = await consoleForm(c, deps); if (!form) return consoleForbidden(c);
 */
export async function consoleForm(c: Context<ConsoleEnv>, deps: AppDeps): Promise<ConsoleFormFields | null> {
  const body = (await c.req.parseBody({ all: true }).catch(() => ({}))) as Record<string, unknown>;
  const token = typeof body.csrf === "string" ? body.csrf : undefined;
  if (!(await checkCsrfToken(deps.config, c.var.viewer.session.sid, token))) return null;
  const fields: ConsoleFormFields = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === "string") fields[k] = v;
    else if (Array.isArray(v)) fields[k] = v.filter((x): x is string => typeof x === "string");
  }
  return fields;
}
