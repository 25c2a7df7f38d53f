/**
 * The OpenID Connect options of `clients create`: `--id-token-alg ALG` (RS256, the default, EdDSA or
 * ES256) and `--post-logout-redirect-uri URI` (repeatable). Checked with the rest of the command's input,
 * before anything is opened; written beside the client once it exists (oidc/client-settings.ts).
 */
import type { z } from "zod";
import type { Database } from "../db/client";
import { OidcSettingsInput, setOidcSettings, type OidcClientSettings } from "../oidc/client-settings";
import { UsageError, type ParsedArgs } from "./args";
import { flagLine, listOption, stringOption, type FlagMap } from "./services";

/** The settings' fields and the flags they come from. */
const OIDC_FLAGS: FlagMap = { idTokenAlg: "--id-token-alg", postLogoutRedirectUris: "--post-logout-redirect-uri" };

/** What the options ask for, when any was given (`undefined`: the client registers nothing). */
export type OidcOptions = z.output<typeof OidcSettingsInput> | undefined;

/**
 * The checked options, or a UsageError naming each bad flag.
 * @example const oidc = oidcOptions(values); // { idTokenAlg: "ES256", postLogoutRedirectUris: [] }
 */
export function oidcOptions(values: ParsedArgs["values"]): OidcOptions {
  const idTokenAlg = stringOption(values, "id-token-alg");
  const uris = listOption(values, "post-logout-redirect-uri");
  if (idTokenAlg === undefined && uris === undefined) return undefined;
  const input = { idTokenAlg, postLogoutRedirectUris: uris ?? [] };
  const checked = OidcSettingsInput.safeParse(input);
  if (!checked.success) throw new UsageError(checked.error.issues.map((i) => flagLine(OIDC_FLAGS, i.path, i.message, input)).join("\n"));
  return checked.data;
}

/**
 * Register the options for `clientId` and say what was registered, in the protocol's names.
 * @example return { ...presentClient(client), ...(await registerOidcOptions(db, client.id, oidc)) };
 */
export async function registerOidcOptions(db: Database, clientId: string, options: OidcOptions): Promise<Record<string, unknown>> {
  if (options === undefined) return {};
  const saved: OidcClientSettings = await setOidcSettings(db, clientId, options, Date.now());
  return { id_token_signed_response_alg: saved.idTokenAlg, post_logout_redirect_uris: saved.postLogoutRedirectUris };
}
