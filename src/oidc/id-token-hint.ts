/**
 * Reading an `id_token_hint` (RP-initiated logout): one of our ID tokens, proven by our signature (a key
 * still published), our issuer and `typ: JWT` (an access token is not a hint), and with the `exp` and
 * `auth_time` every ID token of ours carries — a signed UserInfo answer (also `typ: JWT`, also naming the
 * account and the client) has neither, so it is no hint either. Expired ones are accepted, as OpenID
 * Connect RP-Initiated Logout §2 asks: a person often logs out long after signing in.
 */
import { createLocalJWKSet, jwtVerify } from "jose";
import { z } from "zod";
import { ID_PREFIX } from "../lib/ids";
import type { KeyRing } from "../tokens/keys";
import { ID_TOKEN_ALGS, ID_TOKEN_TYPE } from "./id-token";

/** What a valid hint says. */
export interface IdTokenHint {
  /** The account. */
  sub: string;
  /** The client it was issued to. */
  clientId: string;
  /** The bridge session it was issued from. */
  sid: string | undefined;
}

const HintClaims = z.object({
  sub: z.string().startsWith(ID_PREFIX.account),
  aud: z.union([z.string(), z.array(z.string()).length(1)]),
  sid: z.string().startsWith(ID_PREFIX.session).optional(),
  exp: z.number(),
  auth_time: z.number(),
});

/**
 * The hint's account, client and session, or null when it is not a valid ID token of ours.
 * @example const hint = await readIdTokenHint(deps.keys, issuer, token);
 */
export async function readIdTokenHint(keys: KeyRing, issuer: string, token: string): Promise<IdTokenHint | null> {
  if (token.length > 8192 || token.split(".").length !== 3) return null;
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: await keys.publicKeys() }), {
      issuer,
      typ: ID_TOKEN_TYPE,
      algorithms: [...ID_TOKEN_ALGS],
      // Expiry does not matter here (the signature and issuer do).
      currentDate: new Date(0),
      clockTolerance: Number.MAX_SAFE_INTEGER,
    });
    const claims = HintClaims.safeParse(payload);
    if (!claims.success) return null;
    const aud = claims.data.aud;
    return { sub: claims.data.sub, clientId: typeof aud === "string" ? aud : aud[0]!, sid: claims.data.sid };
  } catch {
    return null;
  }
}
