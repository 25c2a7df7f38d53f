/**
 * The OpenID Connect options of `clients create` and `clients update`: `--id-token-alg ALG` (RS256, the
 * default, EdDSA or ES256), `--userinfo-alg ALG` (UserInfo answers a JWT signed with ALG instead of JSON)
 * and `--post-logout-redirect-uri URI` (repeatable). On update they follow the command's other flags: a
 * list option replaces the list and `""` alone empties it, and `""` puts an algorithm back to its default
 * (RS256 ID tokens; UserInfo as JSON). Checked with the settings' own rule (oidc/client-settings.ts
 * `OidcSettingsPatch`) before anything is opened, each problem naming its flag.
 */
import type { z } from "zod";
import { OidcSettingsPatch } from "../oidc/client-settings";
import type { ParsedArgs } from "./args";
import { CLIENT_FLAGS, flagLine, listOption, listReplacement, stringOption } from "./services";

/** The options as typed, by the settings' field names (`null`: back to the default; absent: not given). */
export interface OidcFlags {
  idTokenAlg: string | null | undefined;
  userinfoAlg: string | null | undefined;
  postLogoutRedirectUris: string[] | undefined;
}

/** The checked options: the patch the services take, or the problems, one line per flag. */
export type CheckedOidcFlags = { patch: z.output<typeof OidcSettingsPatch>; problems: [] } | { patch: undefined; problems: string[] };

/** What `clients create` asks for: the values as given (`""` is no algorithm there, and refused). */
export function oidcCreateFlags(values: ParsedArgs["values"]): OidcFlags {
  return {
    idTokenAlg: stringOption(values, "id-token-alg"),
    userinfoAlg: stringOption(values, "userinfo-alg"),
    postLogoutRedirectUris: listOption(values, "post-logout-redirect-uri"),
  };
}

/** `""` for an algorithm: back to its default (`null` to the services). */
function algChange(values: ParsedArgs["values"], flag: string): string | null | undefined {
  const given = stringOption(values, flag);
  return given === "" ? null : given;
}

/**
 * What `clients update` asks to change; a UsageError for an empty value among other URIs.
 * @example oidcUpdateFlags({ "userinfo-alg": "" }) // { idTokenAlg: undefined, userinfoAlg: null, postLogoutRedirectUris: undefined }
 */
export function oidcUpdateFlags(values: ParsedArgs["values"]): OidcFlags {
  return {
    idTokenAlg: algChange(values, "id-token-alg"),
    userinfoAlg: algChange(values, "userinfo-alg"),
    postLogoutRedirectUris: listReplacement(values, "post-logout-redirect-uri"),
  };
}

/**
 * The options checked by the settings' rule.
 * @example checkOidcFlags({ idTokenAlg: "HS256", userinfoAlg: undefined, postLogoutRedirectUris: undefined }).problems // ["--id-token-alg: must be one of RS256, EdDSA, ES256"]
 */
export function checkOidcFlags(flags: OidcFlags): CheckedOidcFlags {
  const checked = OidcSettingsPatch.safeParse(flags);
  if (checked.success) return { patch: checked.data, problems: [] };
  return { patch: undefined, problems: checked.error.issues.map((i) => flagLine(CLIENT_FLAGS, i.path, i.message, { ...flags })) };
}
