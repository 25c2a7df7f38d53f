/**
 * The credential-check cache (token exchange; not specific to any platform): a bot exchanging the same credential again within a minute costs no
 * platform call. Only successful checks are kept, for at most 60 s and never past the credential's own
 * expiry. The key is a hash of the credential type and the credential (the credential is never stored);
 * the value is the verified identity, which carries no platform token.
 */
import { z } from "zod";
import type { CredentialType, ExternalIdentity, VerifiedCredential } from "../domain";
import { sha256 } from "../lib/ids";
import type { FlowStore } from "../store/store";

/** Longest a check is trusted without asking the platform again (seconds). */
export const CHECK_CACHE_MAX_S = 60;

const Entry = z.object({
  type: z.string(),
  expiresAt: z.number().optional(),
  identity: z
    .object({ provider: z.string(), subject: z.string().min(1), username: z.string(), emailVerified: z.boolean(), facts: z.object({ provider: z.string() }).loose() })
    .loose(),
});

/**
 * Store key of a credential's check. The type is hashed in, so an entry made when a string was checked
 * as one type can never answer when the same string is presented as another.
 * @example await checkCacheKey("slack", "xoxb-…") // "xcache:…"
 */
export async function checkCacheKey(type: CredentialType, credential: string): Promise<string> {
  return `xcache:${await sha256(`${type}\n${credential}`)}`;
}

/**
 * A verified credential from the cache, or verify it now (and cache the result when it succeeds).
 * `now` is read again after the platform call, so a slow answer does not stretch the TTL.
 * @example const v = await cachedCheck(store, "slack", token, deps.now, () => check(token, ctx));
 */
export async function cachedCheck(
  store: Pick<FlowStore, "get" | "put">,
  type: CredentialType,
  credential: string,
  now: () => number,
  verify: () => Promise<VerifiedCredential>,
): Promise<VerifiedCredential & { cached: boolean }> {
  const key = await checkCacheKey(type, credential);
  const hit = parseEntry(await store.get(key), type, now());
  if (hit) return { ...hit, cached: true };

  const fresh = await verify(); // throws on refusal or outage: nothing is cached then
  const at = now();
  const until = Math.min(at + CHECK_CACHE_MAX_S * 1000, fresh.expiresAt ?? Number.POSITIVE_INFINITY);
  // The store rounds TTLs up to whole seconds, so round down here: the entry must die before the credential.
  const ttl = Math.floor((until - at) / 1000);
  if (ttl >= 1) {
    const { tokens: _never, ...identity } = fresh.identity;
    await store.put(key, JSON.stringify({ type, expiresAt: fresh.expiresAt, identity }), ttl);
  }
  return { ...fresh, cached: false };
}

function parseEntry(raw: string | null, type: CredentialType, now: number): VerifiedCredential | undefined {
  if (raw === null) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined; // unreadable: ask the platform
  }
  const entry = Entry.safeParse(json);
  if (!entry.success || entry.data.type !== type) return undefined;
  // The store's TTL already bounds the entry; this also holds on a store whose clock is not ours.
  if (entry.data.expiresAt !== undefined && entry.data.expiresAt <= now) return undefined;
  // We wrote the entry from a verified identity; the schema above only guards against a garbled value.
  return { identity: entry.data.identity as unknown as ExternalIdentity, expiresAt: entry.data.expiresAt };
}
