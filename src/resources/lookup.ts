/**
 * Finding the registered resource behind an audience: the configuration's first, then the database's,
 * whose answers are kept per app — a found resource for {@link CACHE_MS} (`/token` asks on every refresh,
 * and a change reaching every instance within that delay is soon enough), a missing one only for
 * {@link MISS_MS}, so a resource just added with the CLI is served almost at once.
 */
import type { Database } from "../db/client";
import type { Resource } from "./resource";
import { findResource } from "./registry";

/** How long one database answer is reused (ms). */
const CACHE_MS = 30_000;
/** How long "no such resource" is reused (ms): enough to spare the database a burst of junk values. */
const MISS_MS = 2_000;
/** At most this many URIs are remembered (unknown ones included), so junk `resource` values cannot grow it. */
const MAX_ENTRIES = 1000;

/** Reads resources by exact URI. */
export type ResourceLookup = (uri: string) => Promise<Resource | undefined>;

const lookups = new WeakMap<Database, ResourceLookup>();

/**
 * The lookup of an app (one per database handle, so every route shares its cache).
 * @example const resource = await resourceLookup(deps)(aud);
 */
export function resourceLookup(deps: { db: Database; config: { resources: readonly Resource[] }; now: () => number }): ResourceLookup {
  let lookup = lookups.get(deps.db);
  if (lookup) return lookup;
  const configured = new Map(deps.config.resources.map((r) => [r.uri, r]));
  const cache = new Map<string, { resource: Resource | undefined; until: number }>();
  lookup = async (uri) => {
    const fromConfig = configured.get(uri);
    if (fromConfig) return fromConfig;
    const now = deps.now();
    const hit = cache.get(uri);
    if (hit && hit.until > now) return hit.resource;
    const resource = await findResource(deps.db, uri);
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(uri, { resource, until: now + (resource ? CACHE_MS : MISS_MS) });
    return resource;
  };
  lookups.set(deps.db, lookup);
  return lookup;
}
