/**
 * Serve the example API on Node: `npx tsx examples/api/server.ts`.
 *
 * Environment: ISSUER (default http://localhost:8787), JWKS_URL (default
 * http://localhost:8787/.well-known/jwks.json), AUDIENCE (default: the issuer, which is also authbridge's
 * default `aud`), PORT (default 3000). With CLIENT_ID and CLIENT_SECRET (a client created with
 * `--introspect AUDIENCE`), the API also accepts API keys (`Authorization: Bearer abk_…`), checked at the
 * issuer's /introspect and remembered for 30 s.
 */
import { serve } from "@hono/node-server";
import { createExampleApi } from "./app";

const issuer = process.env.ISSUER ?? "http://localhost:8787";
const jwksUrl = process.env.JWKS_URL ?? "http://localhost:8787/.well-known/jwks.json";
const audience = process.env.AUDIENCE ?? issuer;
const port = Number(process.env.PORT ?? 3000);

const clientId = process.env.CLIENT_ID;
const clientSecret = process.env.CLIENT_SECRET;
const keys = clientId && clientSecret ? { introspection: { url: `${issuer}/introspect`, clientId, clientSecret }, apiKeys: { cacheSeconds: 30 } } : {};

// Bad options throw here, before the server listens.
const app = createExampleApi({ issuer, audience, jwksUrl, ...keys });
const server = serve({ fetch: app.fetch, port }, (info) => {
  console.log(`example API listening on http://localhost:${info.port} (issuer ${issuer}, audience ${audience}${clientId ? ", API keys accepted" : ""})`);
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => server.close(() => process.exit(0)));
