/**
 * A client's OpenID Connect registration (the `client_oidc` table): the algorithm of its ID tokens
 * (`id_token_signed_response_alg`, RS256 unless it registered EdDSA or ES256), whether UserInfo answers it
 * with a signed JWT (`userinfo_signed_response_alg`; plain JSON unless registered) and the exact URIs
 * RP-initiated logout may send the person back to (`post_logout_redirect_uris`). Kept beside the client's row: a client
 * that registers nothing has no row and gets the defaults.
 */
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../db/client";
import { clientOidc } from "../db/schema";
import { isLoopbackHost } from "../lib/loopback";
import { ID_TOKEN_ALGS, type IdTokenAlg } from "./id-token";

/** A client's OpenID Connect settings. */
export interface OidcClientSettings {
  idTokenAlg: IdTokenAlg;
  /** Null: UserInfo answers JSON; otherwise a JWT signed with this algorithm (`application/jwt`). */
  userinfoAlg: IdTokenAlg | null;
  postLogoutRedirectUris: string[];
}

/** What a client gets when it registered nothing. */
export const DEFAULT_OIDC_SETTINGS: Readonly<OidcClientSettings> = { idTokenAlg: "RS256", userinfoAlg: null, postLogoutRedirectUris: [] };

// The same rules as redirect URIs: absolute, no fragment, https (http only on loopback) or a private-use
// scheme of a native app; never javascript:, data: or file:.
const postLogoutUri = z
  .string()
  .refine((u) => URL.canParse(u) && !new URL(u).hash, "must be an absolute URI without a fragment")
  .refine((u) => {
    const url = new URL(u);
    return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname)) || !["http:", "https:", "javascript:", "data:", "file:"].includes(url.protocol);
  }, "must be https, http on loopback, or a private-use scheme");

/** Input of {@link setOidcSettings}: what the operator registers (absent: the default). */
export const OidcSettingsInput = z.object({
  idTokenAlg: z.enum(ID_TOKEN_ALGS, { message: `must be one of ${ID_TOKEN_ALGS.join(", ")}` }).optional(),
  userinfoAlg: z.enum(ID_TOKEN_ALGS, { message: `must be one of ${ID_TOKEN_ALGS.join(", ")}` }).optional(),
  postLogoutRedirectUris: z.array(postLogoutUri).max(20).default([]),
});

const Stored = z.array(z.string());

/**
 * The settings of `clientId` (the defaults when it registered none).
 * @example const { idTokenAlg } = await oidcSettings(db, client.id);
 */
export async function oidcSettings(db: Database, clientId: string): Promise<OidcClientSettings> {
  const [row] = await db.select().from(clientOidc).where(eq(clientOidc.clientId, clientId)).limit(1);
  if (!row) return { ...DEFAULT_OIDC_SETTINGS, postLogoutRedirectUris: [] };
  const uris = Stored.safeParse(JSON.parse(row.postLogoutRedirectUris));
  return { idTokenAlg: row.idTokenSignedResponseAlg ?? "RS256", userinfoAlg: row.userinfoSignedResponseAlg ?? null, postLogoutRedirectUris: uris.success ? uris.data : [] };
}

/**
 * Register (or replace) the settings of `clientId`. Throws a ZodError naming the bad field.
 * @example await setOidcSettings(db, client.id, { idTokenAlg: "ES256", postLogoutRedirectUris: ["https://app.example.com/bye"] }, Date.now());
 */
export async function setOidcSettings(db: Database, clientId: string, input: z.input<typeof OidcSettingsInput>, now: number): Promise<OidcClientSettings> {
  const v = OidcSettingsInput.parse(input);
  const row = {
    clientId,
    idTokenSignedResponseAlg: v.idTokenAlg ?? null,
    userinfoSignedResponseAlg: v.userinfoAlg ?? null,
    postLogoutRedirectUris: JSON.stringify(v.postLogoutRedirectUris),
    updatedAt: now,
  };
  const { clientId: _key, ...set } = row;
  await db.insert(clientOidc).values(row).onConflictDoUpdate({ target: clientOidc.clientId, set });
  return { idTokenAlg: v.idTokenAlg ?? "RS256", userinfoAlg: v.userinfoAlg ?? null, postLogoutRedirectUris: v.postLogoutRedirectUris };
}
