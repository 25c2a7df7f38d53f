/**
 * The one rule for where a client's OpenID Connect settings come from, used by everything that acts on
 * them (ID tokens, signed UserInfo, RP-initiated logout):
 * - a metadata-document client: its document, as last fetched (it has no row of its own);
 * - every other client (the operator's, a developer's, a dynamically registered one): its `client_oidc`
 *   row, the defaults when it has none.
 * A client that no longer resolves (a document now refused, AUTHBRIDGE_CIMD turned off) gets the defaults:
 * nothing is signed differently for it, and logout sends nobody back to it (it has no URIs).
 */
import type { Client } from "../clients/registry";
import { isDocumentClient, isMetadataDocumentId } from "../clients/metadata-document";
import type { AppDeps } from "../deps";
import { DEFAULT_OIDC_SETTINGS, oidcSettings, type OidcClientSettings } from "./client-settings";

const defaults = (): OidcClientSettings => ({ ...DEFAULT_OIDC_SETTINGS, postLogoutRedirectUris: [] });

/**
 * The settings of `client`: the client as looked up, or a client id (a token's `client_id`, a grant's),
 * which is resolved only when it names a metadata document — a registered client's row is read directly.
 * @example const { idTokenAlg } = await settingsForClient(deps, grant.clientId);
 * @example const { postLogoutRedirectUris } = await settingsForClient(deps, client);
 */
export async function settingsForClient(deps: Pick<AppDeps, "db" | "findClient">, client: Client | string): Promise<OidcClientSettings> {
  if (typeof client === "string") {
    if (!isMetadataDocumentId(client)) return oidcSettings(deps.db, client);
    const found = await deps.findClient(client);
    return found ? settingsForClient(deps, found) : defaults();
  }
  if (client.origin === "metadata-document") return isDocumentClient(client) ? client.oidc : defaults();
  return oidcSettings(deps.db, client.id);
}
