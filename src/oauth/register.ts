/**
 * `POST /register`: OAuth 2.0 Dynamic Client Registration (RFC 7591), open only when
 * AUTHBRIDGE_DYNAMIC_REGISTRATION=1. Kept for clients that predate Client ID Metadata Documents.
 *
 * What anyone on the Internet may register is deliberately little: a public client (no secret;
 * `token_endpoint_auth_method` none) for the code flow with refresh, whose redirect URIs are https or http
 * on a loopback address. Such a client is third-party — every person is asked for consent — and expires
 * after 30 days unused (clients/dynamic.ts). Registrations are limited per address. Unknown metadata is
 * ignored (RFC 7591 §2); errors are RFC 7591 §3.2.2 JSON.
 *
 * A relying party may register its OpenID Connect settings too (OpenID Connect Dynamic Client
 * Registration 1.0 §2): `id_token_signed_response_alg`, `userinfo_signed_response_alg` and
 * `post_logout_redirect_uris`, checked by the rules every client's settings follow
 * (oidc/registration-metadata.ts) and echoed in the answer with the ID-token algorithm in effect.
 */
import { Hono, type Context } from "hono";
import { cors } from "hono/cors";
import { z } from "zod";
import { registerDynamicClient, sweepExpiredDynamicClients } from "../clients/dynamic";
import type { GrantType } from "../clients/registry";
import type { AppDeps } from "../deps";
import { oauthErrorHandler } from "../http/on-error";
import { isLoopbackHost } from "../lib/loopback";
import { SCOPE_STRING } from "../lib/scope";
import { describeOidcSettings, OidcClientMetadata, registersOidc, settingsFromMetadata } from "../oidc/registration-metadata";
import { rateLimit } from "../ratelimit/middleware";
import { BodyTooLargeError, MAX_FORM_BYTES, readBodyText } from "./form";

/** Registrations per address per hour. */
export const REGISTRATIONS_PER_HOUR = 20;

/** The RFC 7591 error codes we answer with. */
type RegistrationError = "invalid_redirect_uri" | "invalid_client_metadata";

function refuse(c: Context, error: RegistrationError, description: string, status: 400 | 413 | 415 = 400): Response {
  return c.json({ error, error_description: description }, status, { "Cache-Control": "no-store" });
}

/** What is wrong with one redirect URI, or undefined. */
function redirectUriProblem(uri: string): string | undefined {
  if (!URL.canParse(uri)) return `${JSON.stringify(uri)} is not an absolute URI`;
  const u = new URL(uri);
  if (u.hash || uri.includes("#")) return `${JSON.stringify(uri)} must not have a fragment`;
  if (u.username || u.password) return `${JSON.stringify(uri)} must not contain credentials`;
  if (u.protocol === "https:") return undefined;
  if (u.protocol === "http:" && isLoopbackHost(u.hostname)) return undefined;
  return `${JSON.stringify(uri)} must be https, or http on a loopback address (127.0.0.1, [::1], localhost)`;
}

const Metadata = z.object({
  redirect_uris: z.array(z.string().max(2000)).min(1).max(10),
  token_endpoint_auth_method: z.string().optional(),
  grant_types: z.array(z.string()).optional(),
  response_types: z.array(z.string()).optional(),
  client_name: z.string().trim().min(1).max(200).optional(),
  scope: z.string().max(2000).regex(SCOPE_STRING, "scope must be space-separated scope tokens").optional(),
  ...OidcClientMetadata.shape,
});

const OFFERED_GRANTS: readonly GrantType[] = ["authorization_code", "refresh_token"];

/**
 * Routes: `POST /register` (mount only when dynamic registration is on).
 * @example if (config.dynamicRegistration) app.route("/", registerRoutes(deps));
 */
export function registerRoutes(deps: AppDeps) {
  return new Hono()
    .onError(oauthErrorHandler(deps.logger))
    .use("/register", cors({ origin: "*", allowMethods: ["POST"], allowHeaders: ["content-type"], maxAge: 3600 }))
    .use("/register", rateLimit(deps, deps.rateLimiter, { name: "register", limit: REGISTRATIONS_PER_HOUR, windowSeconds: 3600 }))
    .post("/register", async (c) => {
      const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      if (type !== "application/json") return refuse(c, "invalid_client_metadata", "the body must be application/json", 415);
      let text: string;
      try {
        text = await readBodyText(c, MAX_FORM_BYTES);
      } catch (e) {
        if (e instanceof BodyTooLargeError) return refuse(c, "invalid_client_metadata", "request body too large", 413);
        return refuse(c, "invalid_client_metadata", "unreadable request body");
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return refuse(c, "invalid_client_metadata", "the body is not JSON");
      }
      const parsed = Metadata.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const field = issue.path.join(".") || "body";
        return refuse(c, issue.path[0] === "redirect_uris" ? "invalid_redirect_uri" : "invalid_client_metadata", `${field}: ${issue.message}`);
      }
      const m = parsed.data;
      for (const uri of m.redirect_uris) {
        const problem = redirectUriProblem(uri);
        if (problem) return refuse(c, "invalid_redirect_uri", problem);
      }
      if (m.token_endpoint_auth_method !== undefined && m.token_endpoint_auth_method !== "none")
        return refuse(c, "invalid_client_metadata", "only public clients may register: token_endpoint_auth_method must be none");
      const grants = (m.grant_types ?? OFFERED_GRANTS) as string[];
      const unknownGrant = grants.find((g) => !OFFERED_GRANTS.includes(g as GrantType));
      if (unknownGrant !== undefined) return refuse(c, "invalid_client_metadata", `grant_types: ${unknownGrant} is not offered to registered clients (authorization_code, refresh_token)`);
      if (!grants.includes("authorization_code")) return refuse(c, "invalid_client_metadata", "grant_types must include authorization_code");
      if (m.response_types !== undefined && (m.response_types.length !== 1 || m.response_types[0] !== "code"))
        return refuse(c, "invalid_client_metadata", "response_types must be [\"code\"]");

      const now = deps.now();
      const redirectUris = [...new Set(m.redirect_uris)];
      const oidc = settingsFromMetadata(m);
      const client = await registerDynamicClient(
        deps.db,
        {
          name: m.client_name ?? `App at ${new URL(redirectUris[0]!).host}`,
          redirectUris,
          grants: [...new Set(grants)] as GrantType[],
          scopes: m.scope ? [...new Set(m.scope.split(" "))] : [],
          oidc: registersOidc(m) ? oidc : undefined,
        },
        now,
      );
      // Each registration sweeps a bounded batch of the expired: the table cannot grow without bound.
      await sweepExpiredDynamicClients(deps.db, now);
      c.set("clientId", client.id);
      return c.json(
        {
          client_id: client.id,
          client_id_issued_at: Math.floor(now / 1000),
          client_name: client.name,
          redirect_uris: client.redirectUris,
          grant_types: client.grants,
          response_types: ["code"],
          token_endpoint_auth_method: "none",
          ...(client.scopes.length > 0 ? { scope: client.scopes.join(" ") } : {}),
          ...describeOidcSettings(oidc),
        },
        201,
        { "Cache-Control": "no-store", Pragma: "no-cache" },
      );
    });
}
