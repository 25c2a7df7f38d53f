/**
 * A small API protected by authbridge access tokens: what a resource server looks like.
 *
 * - `GET /public`  — no token needed.
 * - `GET /reports` — a valid token with scope `reports:read`.
 * - `GET /admin`   — a valid token whose `roles` include `maintainer`.
 *
 * One `requireAuth` instance guards every route, so they share its verified-token cache and JWKS.
 */
import { Hono } from "hono";
import { requireAuth, requireRoles, requireScopes, type AuthVariables, type RequireAuthOptions } from "authbridge/verify";

/**
 * Build the example API. Pass `keys` (a JWKS) or `jwksUrl`, plus any other `requireAuth` option.
 * @example const api = createExampleApi({ issuer: "http://localhost:8787", audience: "http://localhost:8787",
 *   jwksUrl: "http://localhost:8787/.well-known/jwks.json" });
 */
export function createExampleApi(options: RequireAuthOptions): Hono<{ Variables: AuthVariables }> {
  const auth = requireAuth(options);
  const app = new Hono<{ Variables: AuthVariables }>();

  app.get("/public", (c) => c.json({ message: "anyone can read this" }));

  app.get("/reports", auth, requireScopes("reports:read"), (c) => {
    const { sub, clientId, scopes, roles, sid } = c.var.auth;
    return c.json({ reports: [{ id: "q3", title: "Quarterly numbers" }], caller: { sub, clientId, scopes, roles, sid: sid ?? null } });
  });

  app.get("/admin", auth, requireRoles("maintainer"), (c) => c.json({ message: `hello, maintainer ${c.var.auth.sub}`, token_type: c.var.auth.tokenType }));

  return app;
}
