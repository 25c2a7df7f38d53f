/**
 * RFC 8693 token exchange (`grant_type=urn:ietf:params:oauth:grant-type:token-exchange`): a client allowed
 * this grant presents a bot's or workload's platform credential as `subject_token`; the platform vouches
 * for it (checks cached for at most a minute), the bot becomes an account of kind `bot` keyed by
 * (provider, namespaced platform id), its facts go through the rules, and it gets a short-lived access
 * token: no refresh token, no session. A refused credential is `invalid_grant`; a platform that does not
 * answer is 503 `temporarily_unavailable`, and then nothing is created or issued.
 *
 * An API key (`urn:authbridge:token-type:api-key`) is exchanged by ./api-key-exchange.ts instead — by a
 * client allowed this grant, or by a caller presenting the key alone (see there why).
 */
import { deriveAndStoreEntitlements } from "../../accounts/entitlements";
import { AccountError } from "../../accounts/errors";
import { resolveLogin } from "../../accounts/identities";
import type { ApiKeyChecker } from "../../apikeys/check";

import { cachedCheck } from "../../credentials/check-cache";
import type { AppDeps } from "../../deps";
import { ACCESS_TOKEN_TYPE, credentialCheckOf, credentialTypeOf, ProviderRejectedError, type Platform, type VerifiedCredential } from "../../domain";
import { ClientAuthError, OAuthError } from "../../errors";
import { derivedKey } from "../../lib/secret";
import { effectiveScopes, entitlementsFor } from "../../rules/evaluate";
import { signAccessToken } from "../../tokens/access";
import { chooseOwnTarget, scopesForTarget } from "../audience";
import { parseScope } from "../form";
import type { GrantHandler } from "../token";
import { API_KEY_TOKEN_TYPE, apiKeyExchange } from "./api-key-exchange";
import { defineAnonymousGrant, defineGrant } from "./grant";

/** RFC 8693 §2.1 parameters; delegation (`actor_token`) is not offered. */
const PARAMETERS = {
  required: ["subject_token", "subject_token_type"],
  optional: ["requested_token_type", "scope", "audience"],
  refused: { actor_token: "delegation (actor_token) is not supported", actor_token_type: "delegation (actor_token) is not supported" },
} as const;

/** Options of {@link tokenExchangeGrant} (defaults suit production). */
export interface TokenExchangeOptions {
  /** The platforms; each credential type is checked by the platform offering `checkCredential[type]`. */
  platforms: ReadonlyMap<string, Platform>;
  /** Checks API keys (`urn:authbridge:token-type:api-key`); absent: that type is unsupported. */
  apiKeys?: ApiKeyChecker;
  /** Budget for one credential check at its platform (ms, default 5000). */
  timeoutMs?: number;
}

/**
 * Build the handler.
 * @example tokenRoutes(deps, { "urn:ietf:params:oauth:grant-type:token-exchange": tokenExchangeGrant(deps, { platforms }) })
 */
export function tokenExchangeGrant(deps: AppDeps, opts: TokenExchangeOptions): GrantHandler {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const { rules, issuer } = deps.config;

  const exchangeKey = opts.apiKeys ? apiKeyExchange(deps, opts.apiKeys) : undefined;
  const targetsOf = (p: { audience?: string }, resources: string[]) => (p.audience !== undefined ? [...resources, p.audience] : resources);

  const handler: GrantHandler = defineGrant(PARAMETERS, async ({ params: p, resources, caller }) => {
    if (p.subject_token_type === API_KEY_TOKEN_TYPE && exchangeKey) {
      if (p.requested_token_type !== undefined && p.requested_token_type !== ACCESS_TOKEN_TYPE)
        throw new OAuthError("invalid_request", `only ${ACCESS_TOKEN_TYPE} can be requested`);
      return exchangeKey({ subjectToken: p.subject_token, scope: p.scope, targets: targetsOf(p, resources), caller: caller.client });
    }
    const credential = p.subject_token;
    const type = credentialTypeOf(p.subject_token_type);
    if (!type) throw new OAuthError("unsupported_token_type", "this subject_token_type is not supported");
    if (p.requested_token_type !== undefined && p.requested_token_type !== ACCESS_TOKEN_TYPE)
      throw new OAuthError("invalid_request", `only ${ACCESS_TOKEN_TYPE} can be requested`);
    const requested = parseScope(p.scope);
    const client = caller.client;
    // RFC 8693 `audience` and RFC 8707 `resource` name the same thing here: one target per token.
    const target = await chooseOwnTarget(deps, client, targetsOf(p, resources));
    const aud = target.aud;

    // Asked of the platforms, never switched on by name: whichever offers this credential type checks it.
    const check = credentialCheckOf(opts.platforms.values(), type);
    if (!check) throw new OAuthError("unsupported_token_type", "this subject_token_type is not supported");
    const signal = AbortSignal.timeout(timeoutMs);
    let verified: VerifiedCredential;
    try {
      verified = await cachedCheck(deps.store, type, credential, deps.now, () => check(credential, { signal, now: deps.now() }));
    } catch (err) {
      if (err instanceof ProviderRejectedError) throw new OAuthError("invalid_grant", `subject_token refused: ${err.message}`, { cause: err });
      throw err; // outages become 503 temporarily_unavailable in the error handler
    }

    const now = deps.now();
    let accountId: string;
    try {
      const resolved = await resolveLogin(deps.db, verified.identity, { intent: "login", kind: "bot", sealKey: await derivedKey(deps.config.secret, "provider-token-encryption"), now });
      // Exchanged subjects live in namespaces no login uses, so this cannot happen; if it ever did, a
      // credential must never yield a token for a person's account.
      if (resolved.kind !== "bot") throw new OAuthError("invalid_grant", "the subject_token does not belong to a bot");
      accountId = resolved.accountId;
    } catch (err) {
      if (err instanceof AccountError) throw new OAuthError("invalid_grant", err.code === "account_blocked" ? "this bot account is blocked" : err.message, { cause: err });
      throw err;
    }
    await deriveAndStoreEntitlements(deps.db, rules, accountId, now);
    // The token's entitlements come from the facts of the credential just checked, not from the stored
    // row: runs sharing one bot account (an Actions subject covers many refs) may be exchanging at the
    // same moment, and one must never get scopes derived from another's facts.
    const entitled = entitlementsFor(rules, "bot", [verified.identity.facts]);
    const scopes = scopesForTarget(effectiveScopes(requested, entitled.scopes, client.scopes.length > 0 ? client.scopes : null), target);
    // Our token never outlives the credential it was exchanged for (an Actions token lives minutes).
    const credentialLeft = verified.expiresAt !== undefined ? Math.floor((verified.expiresAt - now) / 1000) : Number.POSITIVE_INFINITY;
    const ttl = Math.max(1, Math.min(deps.config.accessTokenTtl, credentialLeft));
    const access = await signAccessToken(
      deps.keys,
      { issuer, ttl, iat: Math.floor(now / 1000) },
      { sub: accountId, clientId: client.id, scopes, roles: entitled.roles, aud },
    );
    return { access, issuedTokenType: ACCESS_TOKEN_TYPE };
  });
  // An API key authenticates its presenter on its own; every other subject needs an authenticated client.
  if (exchangeKey)
    handler.anonymous = defineAnonymousGrant(PARAMETERS, async ({ params: p, resources }) => {
      if (p.subject_token_type !== API_KEY_TOKEN_TYPE) throw new ClientAuthError(undefined, { basicChallenge: false });
      if (p.requested_token_type !== undefined && p.requested_token_type !== ACCESS_TOKEN_TYPE)
        throw new OAuthError("invalid_request", `only ${ACCESS_TOKEN_TYPE} can be requested`);
      return exchangeKey({ subjectToken: p.subject_token, scope: p.scope, targets: targetsOf(p, resources), caller: null });
    });
  return handler;
}
