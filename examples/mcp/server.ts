/**
 * Serve the example MCP server on Node: `npx tsx examples/mcp/server.ts`.
 *
 * Environment: ISSUER (default http://localhost:8787), JWKS_URL (default `$ISSUER/.well-known/jwks.json`),
 * PORT (default 3001), HOST (default 127.0.0.1: a local server is not reachable from the network),
 * RESOURCE (default `http://localhost:$PORT/mcp`: the MCP endpoint's URL, which must be registered at
 * authbridge with `resources add --uri …`).
 */
import { serve } from "@hono/node-server";
import { createMcpExample } from "./app";

const issuer = process.env.ISSUER ?? "http://localhost:8787";
const jwksUrl = process.env.JWKS_URL ?? `${issuer}/.well-known/jwks.json`;
const port = Number(process.env.PORT ?? 3001);
const hostname = process.env.HOST ?? "127.0.0.1";
const resource = process.env.RESOURCE ?? `http://localhost:${port}/mcp`;

// Bad options throw here, before the server listens.
const app = createMcpExample({ resource, issuer, jwksUrl });
const server = serve({ fetch: app.fetch, port, hostname }, (info) => {
  console.log(`example MCP server listening on ${resource} (port ${info.port}, issuer ${issuer})`);
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => server.close(() => process.exit(0)));
