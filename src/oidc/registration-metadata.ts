/**
 * The OpenID Connect metadata a client may register for itself (OpenID Connect Dynamic Client Registration
 * 1.0 §2), in the protocol's names: `id_token_signed_response_alg`, `userinfo_signed_response_alg` and
 * `post_logout_redirect_uris` — at `POST /register` and in a Client ID Metadata Document alike. Each field
 * is checked by the operator's own rule (client-settings.ts `OidcSettingsInput`): whoever registers a
 * client, one set of rules. `null` counts as absent (some libraries send every field).
 *
 * Encrypted ID tokens and UserInfo (`…_encrypted_response_alg`) are refused rather than ignored: a client
 * that asked for them would otherwise fail later on a signed answer it did not expect.
 */
import { z } from "zod";
import { DEFAULT_OIDC_SETTINGS, OidcSettingsInput, type OidcClientSettings } from "./client-settings";

const rules = OidcSettingsInput.shape;

const notOffered = z.never({ message: "encrypted responses are not offered (signed only)" }).nullish();

/** The OpenID Connect members of a registration or metadata document (other members are read elsewhere). */
export const OidcClientMetadata = z.object({
  id_token_signed_response_alg: rules.idTokenAlg.nullable(),
  userinfo_signed_response_alg: rules.userinfoAlg.nullable(),
  // Its default (an empty list) is left out: absent and null must stay "registers none".
  post_logout_redirect_uris: rules.postLogoutRedirectUris.unwrap().nullish(),
  id_token_encrypted_response_alg: notOffered,
  userinfo_encrypted_response_alg: notOffered,
});

/** The OpenID Connect members, parsed. */
export type OidcClientMetadata = z.output<typeof OidcClientMetadata>;

/**
 * Whether the metadata registers anything (otherwise the client keeps the defaults and needs no row).
 * @example if (registersOidc(meta)) await setOidcSettings(db, id, oidcSettingsInput(meta), now);
 */
export function registersOidc(meta: OidcClientMetadata): boolean {
  return meta.id_token_signed_response_alg != null || meta.userinfo_signed_response_alg != null || meta.post_logout_redirect_uris != null;
}

/**
 * The settings the metadata registers, defaults for what it leaves out.
 * @example settingsFromMetadata({ id_token_signed_response_alg: "ES256" }) // { idTokenAlg: "ES256", userinfoAlg: null, postLogoutRedirectUris: [] }
 */
export function settingsFromMetadata(meta: OidcClientMetadata): OidcClientSettings {
  return {
    idTokenAlg: meta.id_token_signed_response_alg ?? DEFAULT_OIDC_SETTINGS.idTokenAlg,
    userinfoAlg: meta.userinfo_signed_response_alg ?? DEFAULT_OIDC_SETTINGS.userinfoAlg,
    postLogoutRedirectUris: [...new Set(meta.post_logout_redirect_uris ?? [])],
  };
}

/** The settings in the protocol's names, as a registration response echoes them. */
export interface OidcMetadataEcho {
  id_token_signed_response_alg: OidcClientSettings["idTokenAlg"];
  /** Absent: UserInfo answers JSON. */
  userinfo_signed_response_alg?: NonNullable<OidcClientSettings["userinfoAlg"]>;
  /** Absent: none registered. */
  post_logout_redirect_uris?: string[];
}

/**
 * The settings in the protocol's names (RFC 7591 §3.2.1: the response carries what is registered, the
 * ID-token algorithm in effect included).
 * @example describeOidcSettings(DEFAULT_OIDC_SETTINGS) // { id_token_signed_response_alg: "RS256" }
 */
export function describeOidcSettings(s: Readonly<OidcClientSettings>): OidcMetadataEcho {
  return {
    id_token_signed_response_alg: s.idTokenAlg,
    ...(s.userinfoAlg !== null ? { userinfo_signed_response_alg: s.userinfoAlg } : {}),
    ...(s.postLogoutRedirectUris.length > 0 ? { post_logout_redirect_uris: [...s.postLogoutRedirectUris] } : {}),
  };
}
