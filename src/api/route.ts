/**
 * One management API route as data: method, path, who may call it and what it does. The routes are
 * registered from these declarations only (src/api/routes.ts), so a route cannot exist without its access
 * level, and the tests walk the same table.
 */
import type { Context } from "hono";
import type { Caller } from "../admin/caller";
import type { AppDeps } from "../deps";
import type { Access } from "./auth";

/** HTTP methods the API uses. */
export type Method = "GET" | "POST" | "PATCH" | "DELETE";

/** What a route's handler gets: the request, the app's dependencies and the verified caller. */
export interface RouteContext {
  c: Context;
  deps: AppDeps;
  caller: Caller;
}

/** One declared route. */
export interface ApiRoute {
  method: Method;
  /** Hono path pattern, e.g. `/api/v1/clients/:id`. */
  path: string;
  access: Access;
  /** One line for the documentation. */
  summary: string;
  handle(ctx: RouteContext): Promise<Response>;
}

/**
 * Declare a route.
 * @example route("GET", "/api/v1/audit", "operator", "the audit log", async ({ c, deps }) => c.json(…));
 */
export function route(method: Method, path: string, access: Access, summary: string, handle: ApiRoute["handle"]): ApiRoute {
  return { method, path, access, summary, handle };
}

/**
 * A JSON answer that is never cached (it may name accounts, secrets shown once, …).
 * @example return json(c, { items, next });
 */
export function json(c: Context, body: unknown, status: 200 | 201 = 200): Response {
  return c.json(body as object, status, { "Cache-Control": "no-store" });
}

/**
 * A list answer: `{ "items": [...], "next": cursor? }` (`next` only when there is a next page).
 * @example return list(c, page.items.map(present), page.next);
 */
export function list(c: Context, items: unknown[], next?: string): Response {
  return json(c, next === undefined ? { items } : { items, next });
}
