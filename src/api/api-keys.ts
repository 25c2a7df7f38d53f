/**
 * Management API: API keys. Operators manage every key; developers their personal keys and those of the
 * apps they own. A key is in the creation answer and nowhere else; lists never carry a key or its hash.
 */
import { z } from "zod";
import { createManagedApiKey, listManagedApiKeys, revokeManagedApiKey } from "../admin/api-keys";
import { describeApiKey } from "../apikeys/registry";
import { IdParam, jsonBody, pathId, query } from "./input";
import { json, list, route } from "./route";

const OwnerQuery = z.object({ account: IdParam.optional(), client: IdParam.optional() });

const CreateBody = z.strictObject({
  name: z.string().max(100),
  scopes: z.array(z.string().max(200)).max(100).nullable().optional(),
  expires_in: z.number().int().positive().optional(),
  account: IdParam.optional(),
  client: IdParam.optional(),
});

/** `/api/v1/api-keys` routes. */
export const apiKeyRoutes = [
  route("GET", "/api/v1/api-keys", "developer", "API keys, newest first: all, or one owner's (account=ID or client=ID)", async ({ c, deps, caller }) =>
    list(c, (await listManagedApiKeys(deps, caller, query(c, OwnerQuery))).map(describeApiKey)),
  ),
  route("POST", "/api/v1/api-keys", "developer", "make a key for an account or a client; the key is in this answer only", async ({ c, deps, caller }) => {
    const b = await jsonBody(c, CreateBody);
    const { key, apiKey } = await createManagedApiKey(deps, caller, {
      name: b.name,
      scopes: b.scopes,
      expiresInSeconds: b.expires_in,
      account: b.account,
      client: b.client,
    });
    return json(c, { ...describeApiKey(apiKey), key }, 201);
  }),
  route("POST", "/api/v1/api-keys/:id/revoke", "developer", "revoke a key and the access tokens exchanged from it, at once", async ({ c, deps, caller }) =>
    json(c, describeApiKey(await revokeManagedApiKey(deps, caller, pathId(c, "id")))),
  ),
];
