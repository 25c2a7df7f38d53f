/**
 * Issuing the ID token of a grant that asked for `openid` (OpenID Connect Core §3.1.3.3, §12.2): the same
 * shape from the code and from every refresh — `sub` the account, `aud` the client, `auth_time` when the
 * person signed in, `sid` the bridge session, `at_hash` of the access token issued with it, the claims the
 * granted identity scopes unlock (with the roles of that moment), and `nonce` only from the code.
 * It lives as long as the access token, so the key that signed it stays published at least that long.
 *
 * In two steps, so that everything that reads the database or the key ring happens before the grant
 * issues anything: {@link prepareIdToken}, then the prepared token's `sign` once the access token exists.
 */
import type { AppDeps } from "../deps";
import { personClaims } from "./claims";
import { atHash, signIdToken, type IdTokenClaims } from "./id-token";
import { settingsForClient } from "./settings-for-client";

/** What the grant decided, for its ID token. */
export interface IdTokenGrant {
  accountId: string;
  clientId: string;
  sid: string | undefined;
  /** The scopes granted (identity scopes among them choose the claims). */
  scopes: readonly string[];
  /** The account's roles now: the `groups` claim. */
  roles: readonly string[];
  /** When the person authenticated, epoch milliseconds. */
  authTime: number;
  /** From the authorization request, on the code's ID token only. */
  nonce?: string | undefined;
}

/** An ID token ready to be signed for the access token issued with it. */
export interface PreparedIdToken {
  /** `iat` is the access token's (a refresh retried in the grace window then gets the same ID token). */
  sign(accessToken: string, iat: number): Promise<string>;
}

/**
 * Read what the ID token of a grant needs: the client's algorithm, its key and the person's claims.
 * @example const idToken = await prepareIdToken(deps, grant); … return { access, idToken: await idToken.sign(access.token, access.iat) };
 */
export async function prepareIdToken(deps: Pick<AppDeps, "db" | "keys" | "config" | "findClient">, g: IdTokenGrant): Promise<PreparedIdToken> {
  // The client's registration or, for a metadata-document client, its document (just read to authenticate it: cached).
  const { idTokenAlg } = await settingsForClient(deps, g.clientId);
  const [key, claims] = await Promise.all([
    deps.keys.currentFor(idTokenAlg),
    personClaims(deps.db, g.accountId, g.scopes, { roles: g.roles, groups: deps.config.oidcGroups }),
  ]);
  return {
    async sign(accessToken, iat) {
      // Claim order is fixed: with a deterministic signature (RS256, EdDSA), equal grants give equal tokens.
      const token: IdTokenClaims = {
        iss: deps.config.issuer,
        sub: g.accountId,
        aud: g.clientId,
        exp: iat + deps.config.accessTokenTtl,
        iat,
        auth_time: Math.floor(g.authTime / 1000),
        ...(g.nonce !== undefined ? { nonce: g.nonce } : {}),
        at_hash: await atHash(accessToken, idTokenAlg),
        ...(g.sid !== undefined ? { sid: g.sid } : {}),
        ...claims,
      };
      return signIdToken({ kid: key.kid, alg: idTokenAlg, privateKey: key.privateKey }, token);
    },
  };
}
