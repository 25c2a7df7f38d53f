/** Management API: signing keys (operators). */
import { actorOf } from "../admin/caller";
import { listSigningKeys, rotateSigningKey, type SigningKeyView } from "../admin/signing-keys";
import { json, list, route } from "./route";

function present(k: SigningKeyView) {
  return {
    kid: k.kid,
    alg: k.alg,
    created_at: new Date(k.createdAt).toISOString(),
    retired_at: k.retiredAt === null ? null : new Date(k.retiredAt).toISOString(),
    current: k.current,
    published: k.published,
  };
}

/** `/api/v1/signing-keys` routes. */
export const signingKeyRoutes = [
  route("GET", "/api/v1/signing-keys", "operator", "every signing key: kid, alg, created, retired, current, published", async ({ c, deps }) =>
    list(c, (await listSigningKeys(deps)).map(present)),
  ),
  route("POST", "/api/v1/signing-keys/rotate", "operator", "make a new current key; older keys stay published until their tokens expire", async ({ c, deps, caller }) =>
    json(c, await rotateSigningKey(deps, actorOf(caller)), 201),
  ),
];
