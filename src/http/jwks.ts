/** `GET /.well-known/jwks.json`: the public signing keys, cacheable for a few minutes. */
import { Hono } from "hono";
import type { AppDeps } from "../deps";

/** Seconds verifiers may cache the set; unknown kids make them refetch anyway. */
export const JWKS_MAX_AGE = 300;

/** Routes: the JWKS. */
export function jwksRoutes(deps: AppDeps) {
  return new Hono().get("/.well-known/jwks.json", async (c) => {
    const keys = await deps.keys.publicKeys();
    c.header("Cache-Control", `public, max-age=${JWKS_MAX_AGE}, stale-while-revalidate=60`);
    c.header("Access-Control-Allow-Origin", "*");
    // Public members only, by key type: OKP/EC (access tokens) `crv x y`, RSA (ID tokens) `n e`.
    return c.json({ keys: keys.map(({ kty, crv, x, y, n, e, kid, alg, use }) => (kty === "RSA" ? { kty, n, e, kid, alg, use } : { kty, crv, x, ...(y ? { y } : {}), kid, alg, use })) });
  });
}
