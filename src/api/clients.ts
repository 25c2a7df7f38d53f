/**
 * Management API: clients. Operators see and change every client; developers (`authbridge:clients`) only
 * the apps their account owns — anyone else's answers 404 like an id that does not exist. A client's OpenID
 * Connect settings are fields of it, in the protocol's names (`id_token_signed_response_alg`,
 * `userinfo_signed_response_alg`, `post_logout_redirect_uris`); `null` puts an algorithm back to its default.
 */
import { z } from "zod";
import { getManagedClient, listManagedClients } from "../admin/client-view";
import { presentClient } from "../admin/present";
import { createManagedClient, updateManagedClient } from "../admin/clients-write";
import { deleteManagedClient, resetClientSecret } from "../admin/clients-state";
import { GRANT_TYPES } from "../clients/registry";
import { OidcSettingsPatch } from "../oidc/client-settings";
import { IdParam, jsonBody, PageQuery, pathId, query } from "./input";
import { json, list, route } from "./route";

const strings = z.array(z.string().max(2000)).max(100);
const Fields = {
  name: z.string().max(200),
  grants: z.array(z.enum(GRANT_TYPES)).max(GRANT_TYPES.length),
  scopes: strings,
  redirect_uris: strings,
  audiences: strings,
  introspect_audiences: strings,
  owner_account_id: IdParam.nullable(),
};

/**
 * The OpenID Connect settings, each optional on create and on change: the algorithms with the settings'
 * own rule (and message; `null`: back to the default), the URIs bounded here and checked by the service
 * like redirect_uris.
 */
const OidcFields = {
  id_token_signed_response_alg: OidcSettingsPatch.shape.idTokenAlg,
  userinfo_signed_response_alg: OidcSettingsPatch.shape.userinfoAlg,
  post_logout_redirect_uris: strings.optional(),
};
const OidcBody = z.object(OidcFields);

/** The OpenID Connect fields of a body, as the services name them. */
function oidcOf(b: z.output<typeof OidcBody>) {
  return { idTokenAlg: b.id_token_signed_response_alg, userinfoAlg: b.userinfo_signed_response_alg, postLogoutRedirectUris: b.post_logout_redirect_uris };
}

const CreateBody = z.strictObject({
  ...Fields,
  public: z.boolean().optional(),
  grants: Fields.grants.optional(),
  scopes: Fields.scopes.optional(),
  redirect_uris: Fields.redirect_uris.optional(),
  audiences: Fields.audiences.optional(),
  introspect_audiences: Fields.introspect_audiences.optional(),
  owner_account_id: Fields.owner_account_id.optional(),
  ...OidcFields,
});

const PatchBody = z.strictObject({
  name: Fields.name.optional(),
  grants: Fields.grants.optional(),
  scopes: Fields.scopes.optional(),
  redirect_uris: Fields.redirect_uris.optional(),
  audiences: Fields.audiences.optional(),
  introspect_audiences: Fields.introspect_audiences.optional(),
  owner_account_id: Fields.owner_account_id.optional(),
  ...OidcFields,
  disabled: z.boolean().optional(),
});

const ListQuery = z.object({ ...PageQuery, q: z.string().max(200).optional(), owner: IdParam.optional() });

/** `/api/v1/clients` routes. */
export const clientRoutes = [
  route("GET", "/api/v1/clients", "developer", "clients, newest first: search by name or id (q), by owner (operators)", async ({ c, deps, caller }) => {
    const page = await listManagedClients(deps, caller, query(c, ListQuery));
    return list(c, page.items.map(presentClient), page.next);
  }),
  route("POST", "/api/v1/clients", "developer", "register a client; a confidential client's secret is in this answer only", async ({ c, deps, caller }) => {
    const b = await jsonBody(c, CreateBody);
    const { client, secret } = await createManagedClient(deps, caller, {
      name: b.name,
      isPublic: b.public,
      grants: b.grants,
      scopes: b.scopes,
      redirectUris: b.redirect_uris,
      audiences: b.audiences,
      introspectAudiences: b.introspect_audiences,
      ownerAccountId: b.owner_account_id,
      ...oidcOf(b),
    });
    return json(c, { ...presentClient(client), ...(secret !== undefined ? { client_secret: secret } : {}) }, 201);
  }),
  route("GET", "/api/v1/clients/:id", "developer", "one client", async ({ c, deps, caller }) =>
    json(c, presentClient(await getManagedClient(deps, caller, pathId(c, "id")))),
  ),
  route("PATCH", "/api/v1/clients/:id", "developer", "change name, grants, scopes, redirect URIs, audiences, OpenID Connect settings (and owner, introspection: operators); disabled: true|false", async ({ c, deps, caller }) => {
    const id = pathId(c, "id");
    const b = await jsonBody(c, PatchBody);
    const client = await updateManagedClient(deps, caller, id, {
      name: b.name,
      grants: b.grants,
      scopes: b.scopes,
      redirectUris: b.redirect_uris,
      audiences: b.audiences,
      introspectAudiences: b.introspect_audiences,
      ownerAccountId: b.owner_account_id,
      ...oidcOf(b),
      disabled: b.disabled,
    });
    return json(c, presentClient(client));
  }),
  route("DELETE", "/api/v1/clients/:id", "developer", "delete a client and its API keys; its tokens stop at once", async ({ c, deps, caller }) => {
    await deleteManagedClient(deps, caller, pathId(c, "id"));
    return c.body(null, 204, { "Cache-Control": "no-store" });
  }),
  route("POST", "/api/v1/clients/:id/secret", "developer", "reset a confidential client's secret: the new one is in this answer only, the old one stops working", async ({ c, deps, caller }) => {
    const { client, secret } = await resetClientSecret(deps, caller, pathId(c, "id"));
    return json(c, { client_id: client.id, client_secret: secret }, 201);
  }),
];
