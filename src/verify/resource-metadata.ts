/**
 * RFC 9728 protected-resource metadata: the document that tells a client which authorization server
 * issues tokens for this API and which scopes it understands. MCP clients (and any OAuth client that
 * meets a 401 with `resource_metadata="…"`) read it before they register and sign in.
 *
 * Options are checked once, when the handler is built, like `requireAuth`'s: a wrong resource URI would
 * send every client to ask for tokens this API then refuses, so it must stop the API from starting.
 */
import { Hono } from "hono";
import { isLoopbackHost } from "../lib/loopback";
import { SCOPE_TOKEN, SCOPE_TOKEN_RULE } from "../lib/scope";

const WELL_KNOWN = "/.well-known/oauth-protected-resource";

/** Ways of presenting the token this verifier reads: the `Authorization` header only (RFC 6750 §2.1). */
export type BearerMethod = "header";

/** Options of {@link protectedResourceMetadata}. */
export interface ProtectedResourceMetadataOptions {
  /**
   * The resource identifier: the URL clients call, exactly as tokens name it in `aud` and clients send it as
   * `resource` (RFC 8707), e.g. `https://api.example.com/mcp`. https (http only on localhost), no query or
   * fragment, in canonical form (lower-case host, no default port, `https://api.example.com/` for a bare host):
   * the string registered with `resources add`, byte for byte.
   */
  resource: string;
  /** Issuer URLs of the authorization servers that mint tokens for it, e.g. `["https://auth.example.com"]`. */
  authorizationServers: string[];
  /** Scopes the resource understands (`scopes_supported`); MCP clients ask for these when nothing else says. */
  scopes: string[];
  /** `bearer_methods_supported` (default `["header"]`: `requireAuth` reads no other). */
  bearerMethods?: BearerMethod[];
  /** A human-readable name (`resource_name`), for consent screens and client UIs. */
  resourceName?: string;
  /** `Cache-Control: public, max-age=…` of the document, seconds (default 3600, 0–86400). */
  cacheSeconds?: number;
  /**
   * Also answer at the origin's root well-known URI when the resource has a path. RFC 9728 §3.1 puts the
   * document at `/.well-known/oauth-protected-resource/<path>`; some clients only try the root. Only for a
   * host that serves a single resource (default false).
   */
  alsoAtRoot?: boolean;
}

/** The RFC 9728 document {@link protectedResourceMetadata} serves. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported: string[];
  bearer_methods_supported: BearerMethod[];
  resource_name?: string;
}

const OPTION_NAMES = new Set<string>([
  "resource", "authorizationServers", "scopes", "bearerMethods", "resourceName", "cacheSeconds", "alsoAtRoot",
] satisfies (keyof ProtectedResourceMetadataOptions)[]);

/**
 * https anywhere, http only on loopback; no query or fragment (the well-known URI is derived from it).
 * `canonical`: also spelled as the URL parser writes it (resources; issuers conventionally have no `/`).
 */
function identifierUrl(problems: string[], path: string, v: unknown, canonical = false): URL | undefined {
  if (typeof v !== "string" || !URL.canParse(v)) {
    problems.push(`${path}: must be an absolute URL`);
    return undefined;
  }
  const url = new URL(v);
  if (!(url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname)))) problems.push(`${path}: must be https (http only on localhost)`);
  else if (url.search !== "" || url.hash !== "" || v.includes("#") || v.includes("?")) problems.push(`${path}: must have no query or fragment`);
  else if (url.username !== "" || url.password !== "") problems.push(`${path}: must have no user name or password`);
  // Audiences and resource indicators match as exact strings, and authbridge stores a resource as the URL
  // parser writes it: a spelling that differs (`https://API.example.com`, no `/` after a bare host) would
  // send clients asking for a resource nobody registered.
  else if (canonical && url.href !== v) problems.push(`${path}: must be written in canonical form, ${JSON.stringify(url.href)}`);
  else return url;
  return undefined;
}

/**
 * The URL of a resource's metadata document (RFC 9728 §3.1): the well-known segment goes between the
 * origin and the resource's path. Give it to `requireAuth` as `resourceMetadataUrl`.
 * @example protectedResourceMetadataUrl("https://api.example.com/mcp") // "https://api.example.com/.well-known/oauth-protected-resource/mcp"
 */
export function protectedResourceMetadataUrl(resource: string): string {
  const problems: string[] = [];
  const url = identifierUrl(problems, "resource", resource, true);
  if (!url) throw new Error(`protectedResourceMetadataUrl: ${problems.join("; ")}`);
  return `${url.origin}${wellKnownPath(url)}`;
}

/** `/.well-known/oauth-protected-resource` plus the resource's path, without a trailing slash. */
function wellKnownPath(url: URL): string {
  const path = url.pathname === "/" ? "" : url.pathname.replace(/\/$/, "");
  return `${WELL_KNOWN}${path}`;
}

interface Resolved {
  document: ProtectedResourceMetadata;
  paths: string[];
  cacheSeconds: number;
}

function resolve(input: ProtectedResourceMetadataOptions): Resolved {
  const problems: string[] = [];
  const isObject = typeof input === "object" && input !== null && !Array.isArray(input);
  const o: Record<string, unknown> = isObject ? (input as unknown as Record<string, unknown>) : {};
  if (!isObject) problems.push("options: must be an object");
  for (const name of Object.keys(o)) if (!OPTION_NAMES.has(name)) problems.push(`${name}: not an option of protectedResourceMetadata`);

  const resource = identifierUrl(problems, "resource", o.resource, true);
  const servers: string[] = [];
  if (!Array.isArray(o.authorizationServers) || o.authorizationServers.length === 0) problems.push("authorizationServers: must be a non-empty list of issuer URLs");
  else o.authorizationServers.forEach((s, i) => identifierUrl(problems, `authorizationServers[${i}]`, s) && servers.push(s as string));
  const scopes: string[] = [];
  if (!Array.isArray(o.scopes)) problems.push("scopes: must be a list of scope tokens (it may be empty)");
  else o.scopes.forEach((s, i) => (typeof s === "string" && SCOPE_TOKEN.test(s) ? scopes.push(s) : problems.push(`scopes[${i}]: ${SCOPE_TOKEN_RULE}`)));
  let bearerMethods: BearerMethod[] = ["header"];
  if (o.bearerMethods !== undefined) {
    // requireAuth reads the Authorization header only: advertising form or query tokens would be a lie.
    if (!Array.isArray(o.bearerMethods) || o.bearerMethods.length === 0 || o.bearerMethods.some((m) => m !== "header")) problems.push('bearerMethods: must be ["header"] (requireAuth reads no other)');
    else bearerMethods = ["header"];
  }
  if (o.resourceName !== undefined && (typeof o.resourceName !== "string" || o.resourceName.trim() === "" || o.resourceName.length > 200)) problems.push("resourceName: must be 1-200 characters");
  let cacheSeconds = 3600;
  if (o.cacheSeconds !== undefined) {
    if (typeof o.cacheSeconds === "number" && Number.isInteger(o.cacheSeconds) && o.cacheSeconds >= 0 && o.cacheSeconds <= 86_400) cacheSeconds = o.cacheSeconds;
    else problems.push("cacheSeconds: must be a whole number from 0 to 86400");
  }
  if (o.alsoAtRoot !== undefined && typeof o.alsoAtRoot !== "boolean") problems.push("alsoAtRoot: must be true or false");

  if (problems.length > 0 || !resource) throw new Error(`protectedResourceMetadata: invalid options\n${problems.map((l) => `  - ${l}`).join("\n")}`);
  const path = wellKnownPath(resource);
  return {
    document: {
      // Clients send it back verbatim as `resource`; it is already canonical (checked above).
      resource: o.resource as string,
      authorization_servers: servers,
      scopes_supported: [...new Set(scopes)],
      bearer_methods_supported: bearerMethods,
      ...(typeof o.resourceName === "string" ? { resource_name: o.resourceName } : {}),
    },
    paths: o.alsoAtRoot === true && path !== WELL_KNOWN ? [path, WELL_KNOWN] : [path],
    cacheSeconds,
  };
}

/**
 * Serve a resource's RFC 9728 metadata: a small Hono app answering `GET` at
 * `/.well-known/oauth-protected-resource` followed by the resource's path (RFC 9728 §3.1: for
 * `https://api.example.com/mcp`, `/.well-known/oauth-protected-resource/mcp`; for a resource without a path,
 * the bare well-known URI). Mount it at the root of the API's app. The document is public: it is sent
 * with `Access-Control-Allow-Origin: *` (browser-based clients read it across origins) and
 * `Cache-Control: public, max-age=cacheSeconds`. Throws on bad options.
 * @example
 * const resource = "https://api.example.com/mcp";
 * app.route("/", protectedResourceMetadata({ resource, authorizationServers: ["https://auth.example.com"], scopes: ["repos:read", "repos:write"] }));
 * app.use("/mcp", requireAuth({ issuer, audience: resource, jwksUrl, resourceMetadataUrl: protectedResourceMetadataUrl(resource) }));
 */
export function protectedResourceMetadata(options: ProtectedResourceMetadataOptions): Hono {
  const { document, paths, cacheSeconds } = resolve(options);
  const body = JSON.stringify(document);
  const headers = {
    "content-type": "application/json",
    "cache-control": cacheSeconds > 0 ? `public, max-age=${cacheSeconds}` : "no-cache",
    "access-control-allow-origin": "*",
  };
  const wanted = new Set(paths);
  const app = new Hono();
  // Matched by exact path rather than as a route pattern: a resource path may hold characters the router
  // reads as syntax (`:`, `*`, `{`). Other paths fall through, so several resources can share one app.
  app.on(["GET", "OPTIONS"], [WELL_KNOWN, `${WELL_KNOWN}/*`], async (c, next) => {
    if (!wanted.has(new URL(c.req.url).pathname)) return next();
    // A browser's preflight: MCP clients send MCP-Protocol-Version with discovery requests.
    if (c.req.method === "OPTIONS")
      return new Response(null, {
        status: 204,
        headers: { "access-control-allow-origin": "*", "access-control-allow-methods": "GET", "access-control-allow-headers": "*", "access-control-max-age": "86400" },
      });
    // GET, and HEAD (which Hono routes here as a GET and strips of its body).
    return new Response(body, { headers });
  });
  return app;
}
