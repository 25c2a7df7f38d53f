/**
 * The toolkit every `/token` grant is built with (after node-oidc-provider's `lib/actions/grants/*.js`):
 * a grant declares the parameters it reads — required ones are checked before it runs, refused ones
 * (a feature we do not offer) are answered `invalid_request`, anything undeclared never reaches it — and
 * returns what it issued; {@link tokenResponse} is the one place the HTTP answer is built from that.
 *
 * Each grant module exports a factory `xxxGrant(deps, options)`, built once per app, returning
 * `defineGrant(parameters, issue)`; `issue` works over the `deps` the factory was given.
 */
import type { Context } from "hono";
import type { AuthenticatedClient } from "../../clients/authenticate";
import { OAuthError } from "../../errors";
import type { SignedAccessToken } from "../../tokens/access";
import type { AnonymousGrantHandler, GrantContext, GrantHandler, TokenResponse } from "../token";

/** The parameters a grant reads from the form, in the order they are checked. */
export interface GrantParameters<R extends string, O extends string> {
  /** Must be present (an empty value counts as absent, RFC 6749 §3.1): else `invalid_request`. */
  required: readonly R[];
  /** Read when present. */
  optional: readonly O[];
  /** Refused when present (checked first), with the description of the `invalid_request`. */
  refused?: Readonly<Record<string, string>>;
}

/** The declared parameters, typed: required ones are strings, optional ones may be absent. */
export type GrantParams<R extends string, O extends string> = { readonly [K in R]: string } & { readonly [K in O]?: string };

/** What a grant's `issue` gets: its declared parameters and the authenticated caller. */
export interface GrantRequest<R extends string, O extends string> {
  params: GrantParams<R, O>;
  /** Every RFC 8707 `resource` (the one parameter that may repeat). */
  resources: string[];
  caller: AuthenticatedClient;
  userAgent: string | undefined;
}

/** What a grant issued; {@link tokenResponse} turns it into the answer. */
export interface IssuedTokens {
  access: SignedAccessToken;
  refreshToken?: string | undefined;
  /** RFC 8693 `issued_token_type` (token exchange only). */
  issuedTokenType?: string | undefined;
  /** OpenID Connect ID token (grants that asked for `openid`). */
  idToken?: string | undefined;
}

/**
 * Build a grant's handler from its parameters and its `issue` function.
 * @example
 * export const pingGrant = (deps: AppDeps) =>
 *   defineGrant({ required: ["subject"], optional: ["scope"] }, async ({ params }) => issueFor(deps, params.subject));
 */
export function defineGrant<R extends string, O extends string = never>(
  parameters: GrantParameters<R, O>,
  issue: (req: GrantRequest<R, O>) => Promise<IssuedTokens>,
): GrantHandler {
  const read = declaredReader(parameters);
  return async ({ form, caller, userAgent }: GrantContext) => issue({ params: read(form), resources: form.resources, caller, userAgent });
}

/**
 * The same for a caller that did not authenticate as a client at all — a grant whose subject token is a
 * credential in its own right (an API key). Only grants that give such callers a meaning offer this.
 * @example const anonymous = defineAnonymousGrant(parameters, async ({ params }) => issueForKey(params.subject_token));
 */
export function defineAnonymousGrant<R extends string, O extends string = never>(
  parameters: GrantParameters<R, O>,
  issue: (req: Omit<GrantRequest<R, O>, "caller">) => Promise<IssuedTokens>,
): AnonymousGrantHandler {
  const read = declaredReader(parameters);
  return async ({ form, userAgent }) => issue({ params: read(form), resources: form.resources, userAgent });
}

/** Checks refused and required parameters, then picks the declared ones out of the form. */
function declaredReader<R extends string, O extends string>(parameters: GrantParameters<R, O>) {
  const declared: readonly string[] = [...parameters.required, ...parameters.optional];
  const refused = Object.entries(parameters.refused ?? {});
  return (form: GrantContext["form"]): GrantParams<R, O> => {
    const given = (name: string): string | undefined => (Object.hasOwn(form.params, name) ? form.params[name] : undefined);
    for (const [name, description] of refused) if (given(name) !== undefined) throw new OAuthError("invalid_request", description);
    for (const name of parameters.required) if (given(name) === undefined) throw new OAuthError("invalid_request", `${name} is required`);
    const params: Record<string, string> = {};
    for (const name of declared) {
      const value = given(name);
      if (value !== undefined) params[name] = value;
    }
    return params as GrantParams<R, O>;
  };
}

/**
 * The token response (RFC 6749 §5.1, RFC 8693 §2.2.1), never cached. `expires_in` is the token's own
 * `exp - iat`, so a refresh retried inside the grace window (same `iat`) gets a byte-identical answer.
 * @example return tokenResponse(c, await grant(ctx));
 */
export function tokenResponse(c: Context, issued: IssuedTokens): Response {
  const { access } = issued;
  const body: TokenResponse = {
    access_token: access.token,
    ...(issued.issuedTokenType !== undefined ? { issued_token_type: issued.issuedTokenType } : {}),
    token_type: "Bearer",
    expires_in: access.exp - access.iat,
    scope: access.scope,
    ...(issued.refreshToken !== undefined ? { refresh_token: issued.refreshToken } : {}),
    ...(issued.idToken !== undefined ? { id_token: issued.idToken } : {}),
  };
  return c.json(body, 200, { "Cache-Control": "no-store", Pragma: "no-cache" });
}
