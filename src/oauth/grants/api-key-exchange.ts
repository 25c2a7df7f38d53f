/**
 * Exchanging an API key for a short access JWT (RFC 8693, `subject_token_type=urn:authbridge:token-type:api-key`).
 *
 * Who may exchange: the key alone is enough — it is a credential in its own right, and asking its holder
 * for a client secret too would take away what makes keys simple — and so may any client allowed the
 * token-exchange grant, whose own scopes and audiences then narrow the token further. The token carries:
 * - `sub`: the key's owner (the account, or the owning client as for client_credentials);
 * - `client_id`: the authenticated caller, else the owning client (service keys) or the key's own id
 *   (personal keys act as their own client);
 * - `scope`: requested ∩ the key's scopes ∩ the owner's current entitlements (∩ the caller's scopes);
 * - `gid`: the key's id, so revoking the key ends the tokens exchanged from it at once (one mark);
 * - a lifetime of at most ACCESS_TOKEN_TTL, never past the key's expiry.
 */
import type { ApiKeyChecker } from "../../apikeys/check";
import { refusalError } from "../../apikeys/refusal";
import type { ApiKey } from "../../apikeys/registry";
import type { Client } from "../../clients/registry";
import { ACCESS_TOKEN_TYPE } from "../../domain";
import type { AppDeps } from "../../deps";
import { signAccessToken } from "../../tokens/access";
import { chooseOwnTarget, scopesForTarget } from "../audience";
import { parseScope } from "../form";
import type { IssuedTokens } from "./grant";

/** The `subject_token_type` of API keys. */
export const API_KEY_TOKEN_TYPE = "urn:authbridge:token-type:api-key";

/** What the exchange reads from the form. */
export interface KeyExchangeRequest {
  subjectToken: string;
  scope: string | undefined;
  /** `resource` values and `audience` together: one target per token. */
  targets: string[];
  /** The authenticated client, or null for a caller presenting only the key. */
  caller: Client | null;
}

/**
 * Build the exchange over a key checker.
 * @example const exchange = apiKeyExchange(deps, checker); return exchange({ subjectToken, scope, targets, caller: null });
 */
export function apiKeyExchange(deps: AppDeps, check: ApiKeyChecker) {
  return async (req: KeyExchangeRequest): Promise<IssuedTokens> => {
    // A service key is its client's: another client presenting it gets nothing (and spends nothing of it).
    const mayUse = (key: ApiKey) => !(req.caller && key.owner.kind === "client" && key.owner.clientId !== req.caller.id);
    const result = await check(req.subjectToken, mayUse);
    if (!result.ok) throw refusalError(result.reason, result.retryAt, deps.now());
    const { access } = result;
    const owner = access.key.owner;
    // The audience is what the caller may ask for; without a client, what the owning client may (service
    // keys), or the default audience and the registered resources (personal keys).
    const audienceClient = req.caller ?? (owner.kind === "client" ? await deps.findClient(owner.clientId) : undefined);
    const target = await chooseOwnTarget(deps, audienceClient ?? null, req.targets);
    const aud = target.aud;

    const requested = parseScope(req.scope);
    const callerScopes = req.caller && req.caller.scopes.length > 0 ? new Set(req.caller.scopes) : null;
    const base = requested.length > 0 ? requested.filter((s) => access.scopes.includes(s)) : access.scopes;
    const scopes = scopesForTarget(callerScopes ? base.filter((s) => callerScopes.has(s)) : base, target);

    const now = deps.now();
    const keyLeft = access.key.expiresAt !== null ? Math.floor((access.key.expiresAt - now) / 1000) : Number.POSITIVE_INFINITY;
    const ttl = Math.max(1, Math.min(deps.config.accessTokenTtl, keyLeft));
    const signed = await signAccessToken(
      deps.keys,
      { issuer: deps.config.issuer, ttl, iat: Math.floor(now / 1000) },
      { sub: access.sub, clientId: req.caller?.id ?? access.clientId, scopes, roles: access.roles, grantId: access.key.id, aud },
    );
    return { access: signed, issuedTokenType: ACCESS_TOKEN_TYPE };
  };
}
