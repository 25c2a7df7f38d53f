/**
 * A small MCP server behind authbridge: the Model Context Protocol over Streamable HTTP (the official
 * TypeScript SDK, `@modelcontextprotocol/sdk`) on Hono, protected by `authbridge/verify`.
 *
 * - `GET /.well-known/oauth-protected-resource/mcp` — RFC 9728 metadata: which authorization server to ask,
 *   which scopes this server understands. Public.
 * - `POST /mcp` — MCP. Every request needs a token for exactly this resource (`aud` = the MCP endpoint's
 *   URL); without one the answer is 401 with `resource_metadata="…"`, which is how an MCP client finds the
 *   metadata and from there authbridge.
 * - Tools: `whoami` (any valid token) and `create_release`, which needs `repos:write` — in the example
 *   rules, a scope people get from the GitHub team `acme/platform`. Calling it without the scope is an
 *   HTTP 403 `insufficient_scope` naming `repos:write`, so a client knows what to ask for.
 *
 * Stateless: each POST gets its own McpServer and transport (nothing is kept between requests, so any
 * instance can answer any request, and a token is checked on every one).
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { AuthInfo as McpAuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import {
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
  requireAuth,
  requireScopes,
  type AuthInfo,
  type AuthVariables,
  type RequireAuthOptions,
} from "authbridge/verify";

/** Scopes this server understands, as its metadata lists them (clients ask for these by default). */
export const MCP_SCOPES = ["repos:read", "repos:write"] as const;

/** What each tool needs beyond a valid token. Checked before the MCP layer sees the call. */
export const TOOL_SCOPES: Readonly<Record<string, readonly string[]>> = { create_release: ["repos:write"] };

/** Largest JSON-RPC body accepted (the example's messages are a few hundred bytes). */
const MAX_BODY_BYTES = 64 * 1024;

/** Options of {@link createMcpExample}: any `requireAuth` option except those the resource decides. */
export interface McpExampleOptions extends Omit<RequireAuthOptions, "audience" | "resourceMetadataUrl" | "scopes"> {
  /**
   * The MCP endpoint's URL, e.g. `https://mcp.example.com/mcp`: the resource registered at authbridge
   * (`resources add --uri …`), the tokens' `aud`, and where the app answers MCP (its path).
   */
  resource: string;
}

type Env = { Variables: AuthVariables };

/** What the SDK hands to tool handlers (`extra.authInfo`), from what requireAuth verified. */
function mcpAuthInfo(token: string, auth: AuthInfo, resource: string): McpAuthInfo {
  return {
    token,
    clientId: auth.clientId,
    scopes: [...auth.scopes],
    ...(auth.claims.exp !== undefined ? { expiresAt: auth.claims.exp } : {}),
    resource: new URL(resource),
    extra: { sub: auth.sub, roles: [...auth.roles] },
  };
}

const text = (t: string, isError = false): CallToolResult => ({ content: [{ type: "text", text: t }], ...(isError ? { isError: true } : {}) });

/** The scopes a tool call still lacks (empty: allowed). */
function lacking(tool: string, scopes: readonly string[]): string[] {
  return (TOOL_SCOPES[tool] ?? []).filter((s) => !scopes.includes(s));
}

/** One MCP server for one request. */
function mcpServer(): McpServer {
  const server = new McpServer({ name: "authbridge-example-mcp", version: "1.0.0" });
  server.registerTool(
    "whoami",
    { title: "Who am I", description: "The account and client behind the token, and its scopes." },
    (extra) => {
      const info = extra.authInfo;
      if (!info) return text("no token", true);
      return text(JSON.stringify({ sub: info.extra?.sub, client: info.clientId, scopes: info.scopes }));
    },
  );
  server.registerTool(
    "create_release",
    {
      title: "Create a release",
      description: "Tag a release of one of acme's repositories (needs repos:write).",
      inputSchema: { repository: z.string().regex(/^acme\/[\w.-]{1,100}$/), tag: z.string().regex(/^v\d+\.\d+\.\d+$/) },
    },
    ({ repository, tag }, extra) => {
      // The HTTP layer already refused a token without the scope; checked again here so the tool stays
      // safe if it is ever served through another route.
      const info = extra.authInfo;
      if (!info || lacking("create_release", info.scopes).length > 0) return text("create_release needs repos:write", true);
      return text(`released ${repository}@${tag} for ${String(info.extra?.sub)}`);
    },
  );
  return server;
}

/** Tool calls in a JSON-RPC message or batch. */
function toolCalls(message: unknown): string[] {
  const messages = Array.isArray(message) ? message : [message];
  return messages.flatMap((m) => {
    if (typeof m !== "object" || m === null || (m as { method?: unknown }).method !== "tools/call") return [];
    const name = (m as { params?: { name?: unknown } }).params?.name;
    return typeof name === "string" ? [name] : [];
  });
}

const jsonRpcError = (c: Context, status: 400 | 405, code: number, message: string, headers: Record<string, string> = {}) =>
  c.json({ jsonrpc: "2.0", error: { code, message }, id: null }, status, headers);

/**
 * Build the MCP server's Hono app. Pass `issuer` and `jwksUrl` (or `keys`), plus any other `requireAuth`
 * option; the resource decides the audience and the metadata URL. Throws on bad options.
 * @example const app = createMcpExample({ resource: "http://localhost:3001/mcp", issuer: "http://localhost:8787",
 *   jwksUrl: "http://localhost:8787/.well-known/jwks.json" });
 */
export function createMcpExample(options: McpExampleOptions): Hono<Env> {
  const { resource, ...verify } = options;
  const resourceMetadataUrl = protectedResourceMetadataUrl(resource);
  const auth = requireAuth({ ...verify, audience: resource, resourceMetadataUrl });
  const endpoint = new URL(resource).pathname;

  const app = new Hono<Env>();
  app.route("/", protectedResourceMetadata({ resource, authorizationServers: [verify.issuer], scopes: [...MCP_SCOPES], resourceName: "authbridge example MCP server" }));

  // The token first (it costs no body read), then a bounded body.
  app.all(endpoint, auth, bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => jsonRpcError(c, 400, -32600, "request too large") }), async (c) => {
    // Stateless: no server-to-client stream to open (GET) and no session to end (DELETE).
    if (c.req.method !== "POST") return jsonRpcError(c, 405, -32000, "Method not allowed: this server is stateless; POST JSON-RPC messages", { allow: "POST" });
    let message: unknown;
    try {
      message = JSON.parse(await c.req.text());
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      return jsonRpcError(c, 400, -32700, "Parse error");
    }

    // A tool that needs more than the token carries: 403 insufficient_scope naming the scope (and the
    // metadata), before the MCP layer runs — MCP clients read it to ask for more.
    const needed = [...new Set(toolCalls(message).flatMap((tool) => lacking(tool, c.var.auth.scopes)))];
    if (needed.length > 0) {
      const refused = await requireScopes(...needed)(c, async () => {});
      if (refused) return refused;
    }

    const token = c.req.header("authorization")!.slice(7).trim();
    const server = mcpServer();
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw, { parsedBody: message, authInfo: mcpAuthInfo(token, c.var.auth, resource) });
    } finally {
      // JSON responses are complete once returned: nothing of this request's server is needed after.
      await server.close();
    }
  });
  return app;
}
