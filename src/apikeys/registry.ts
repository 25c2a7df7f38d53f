/**
 * The API key registry: create (the key is returned once, only its keyed hash is kept), list, revoke and
 * look up by hash together with what its owner's state is. Creation and revocation are audited with the
 * key's id and name, never the key or its hash.
 */
import { and, desc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { auditInsert } from "../audit";
import type { Database } from "../db/client";
import { accounts, apiKeys, clients } from "../db/schema";
import { newId } from "../lib/ids";
import { SCOPE_TOKEN, SCOPE_TOKEN_RULE } from "../lib/scope";
import { apiKeyHint, generateApiKey } from "./format";
import { apiKeyHash } from "./hash";

/** Who owns a key: an account (a personal key) or a client (a service key). */
export type ApiKeyOwner = { kind: "account"; accountId: string } | { kind: "client"; clientId: string };

/** An API key as the rest of the server sees it (never the key, never its hash). */
export interface ApiKey {
  id: string;
  name: string;
  /** `abk_XXXX…YYYY`: enough for a person to recognise the key. */
  hint: string;
  owner: ApiKeyOwner;
  /** The scopes it may carry; null: whatever its owner has. */
  scopes: string[] | null;
  createdAt: number;
  createdBy: string | null;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

/** Thrown for a request the registry refuses (unknown owner, bad input, not found). */
export class ApiKeyError extends Error {
  override readonly name = "ApiKeyError";
  constructor(
    readonly code: "not_found" | "invalid_input",
    message: string,
  ) {
    super(message);
  }
}

/** Longest lifetime a key may be given: ten years. */
const MAX_TTL_SECONDS = 10 * 365 * 24 * 3600;

/** Input of {@link createApiKey}, validated. */
export const CreateApiKeyInput = z.object({
  owner: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("account"), accountId: z.string().min(1) }),
    z.object({ kind: z.literal("client"), clientId: z.string().min(1) }),
  ]),
  name: z.string().trim().min(1, "a name is required").max(100),
  scopes: z.array(z.string().regex(SCOPE_TOKEN, SCOPE_TOKEN_RULE)).max(100).nullable().default(null),
  /** Lifetime in seconds from now; absent: no expiry. */
  expiresInSeconds: z.number().int().min(60).max(MAX_TTL_SECONDS).optional(),
  createdBy: z.string().min(1).max(200),
});

const Scopes = z.array(z.string());
function parseScopes(text: string | null): string[] | null {
  if (text === null) return null;
  const parsed = Scopes.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : [];
}

function toApiKey(row: typeof apiKeys.$inferSelect): ApiKey {
  return {
    id: row.id,
    name: row.name,
    hint: row.hint,
    owner: row.accountId !== null ? { kind: "account", accountId: row.accountId } : { kind: "client", clientId: row.clientId ?? "" },
    scopes: parseScopes(row.scopes),
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
  };
}

/** The subject an owner stands for in tokens and audit rows. */
export function ownerId(owner: ApiKeyOwner): string {
  return owner.kind === "account" ? owner.accountId : owner.clientId;
}

/**
 * Create a key for an existing account or client. Returns the key itself — the only time it exists
 * outside the caller's hands — and its stored description.
 * @example const { key, apiKey } = await createApiKey(db, config.secret, { owner: { kind: "account", accountId }, name: "ci", createdBy: "cli" });
 */
export async function createApiKey(db: Database, secret: Uint8Array, input: z.input<typeof CreateApiKeyInput>, now = Date.now()): Promise<{ key: string; apiKey: ApiKey }> {
  const parsed = CreateApiKeyInput.safeParse(input);
  if (!parsed.success) throw new ApiKeyError("invalid_input", parsed.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; "));
  const v = parsed.data;
  if (v.owner.kind === "account") {
    const [a] = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, v.owner.accountId));
    if (!a) throw new ApiKeyError("not_found", `no account ${v.owner.accountId}`);
  } else {
    const [c] = await db.select({ id: clients.id }).from(clients).where(eq(clients.id, v.owner.clientId));
    if (!c) throw new ApiKeyError("not_found", `no client ${v.owner.clientId}`);
  }
  const key = generateApiKey();
  const row = {
    id: newId("apiKey"),
    name: v.name,
    hash: await apiKeyHash(secret, key),
    hint: apiKeyHint(key),
    accountId: v.owner.kind === "account" ? v.owner.accountId : null,
    clientId: v.owner.kind === "client" ? v.owner.clientId : null,
    scopes: v.scopes === null ? null : JSON.stringify([...new Set(v.scopes)].sort()),
    createdAt: now,
    createdBy: v.createdBy,
    expiresAt: v.expiresInSeconds !== undefined ? now + v.expiresInSeconds * 1000 : null,
    revokedAt: null,
    lastUsedAt: null,
    refusedAt: null,
  };
  const audit = auditInsert(db, { type: "api_key.created", actor: v.createdBy, subject: ownerId(v.owner), detail: { key_id: row.id, name: row.name, scopes: v.scopes } }, now);
  await db.batch([db.insert(apiKeys).values(row), audit]);
  return { key, apiKey: toApiKey(row) };
}

/**
 * Keys, newest first: all of them, or one owner's.
 * @example const mine = await listApiKeys(db, { kind: "account", accountId });
 */
export async function listApiKeys(db: Database, owner?: ApiKeyOwner): Promise<ApiKey[]> {
  const where = owner === undefined ? undefined : owner.kind === "account" ? eq(apiKeys.accountId, owner.accountId) : eq(apiKeys.clientId, owner.clientId);
  const rows = await db.select().from(apiKeys).where(where).orderBy(desc(apiKeys.createdAt));
  return rows.map(toApiKey);
}

/**
 * One key by id (optionally only if `owner` owns it: an account must not learn about others' keys).
 * @example const k = await getApiKey(db, id, { kind: "account", accountId });
 */
export async function getApiKey(db: Database, id: string, owner?: ApiKeyOwner): Promise<ApiKey | undefined> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id));
  if (!row) return undefined;
  const key = toApiKey(row);
  if (owner !== undefined && ownerId(key.owner) !== ownerId(owner)) return undefined;
  return key;
}

/**
 * Mark a key revoked in the database (audited). Idempotent: a key already revoked keeps its first time.
 * Killing the access tokens exchanged from it is the caller's job (see revoke.ts).
 * @example await markApiKeyRevoked(db, id, "cli", now);
 */
export async function markApiKeyRevoked(db: Database, key: ApiKey, actor: string, now: number): Promise<ApiKey> {
  if (key.revokedAt !== null) return key;
  const update = db.update(apiKeys).set({ revokedAt: now }).where(and(eq(apiKeys.id, key.id), isNull(apiKeys.revokedAt)));
  const audit = auditInsert(db, { type: "api_key.revoked", actor, subject: ownerId(key.owner), detail: { key_id: key.id, name: key.name } }, now);
  await db.batch([update, audit]);
  return { ...key, revokedAt: now };
}

/** A key found by its hash, with its owner's state. */
export interface FoundApiKey {
  key: ApiKey;
  /** The owning account's block time, or the owning client's disable time (null: in good standing). */
  ownerOffAt: number | null;
  /** The owning account's kind (personal keys). */
  accountKind: "user" | "bot" | null;
  /** The owning client's scopes (service keys; empty: unrestricted, as for client_credentials). */
  clientScopes: string[];
  refusedAt: number | null;
}

/**
 * The key whose hash is `hash`, joined with its owner, in one query.
 * @example const found = await findApiKeyByHash(db, await apiKeyHash(secret, presented));
 */
export async function findApiKeyByHash(db: Database, hash: string): Promise<FoundApiKey | undefined> {
  const [row] = await db
    .select({ key: apiKeys, blockedAt: accounts.blockedAt, accountKind: accounts.kind, disabledAt: clients.disabledAt, clientScopes: clients.scopes })
    .from(apiKeys)
    .leftJoin(accounts, eq(accounts.id, apiKeys.accountId))
    .leftJoin(clients, eq(clients.id, apiKeys.clientId))
    .where(eq(apiKeys.hash, hash));
  if (!row) return undefined;
  return {
    key: toApiKey(row.key),
    ownerOffAt: row.key.accountId !== null ? row.blockedAt : row.disabledAt,
    accountKind: row.accountKind ?? null,
    clientScopes: parseScopes(row.clientScopes) ?? [],
    refusedAt: row.key.refusedAt,
  };
}

/**
 * Note a use: `last_used_at` is written at most once a minute per key (the read that found the key
 * already tells whether it is due), so a busy key costs no write per request.
 * @example await noteApiKeyUse(db, found.key, now);
 */
export async function noteApiKeyUse(db: Database, key: ApiKey, now: number): Promise<void> {
  if (key.lastUsedAt !== null && now - key.lastUsedAt < 60_000) return;
  await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, key.id));
}

/**
 * Record (once per block or disable) that a key was presented after its owner was cut off: the first such
 * use is audited, later ones are not, so a misbehaving integration cannot flood the audit log.
 * @example await noteRefusedAfterBlock(db, found, now);
 */
export async function noteRefusedAfterBlock(db: Database, found: FoundApiKey, now: number): Promise<void> {
  if (found.ownerOffAt === null || (found.refusedAt !== null && found.refusedAt >= found.ownerOffAt)) return;
  const update = db.update(apiKeys).set({ refusedAt: now }).where(eq(apiKeys.id, found.key.id));
  const audit = auditInsert(db, { type: "api_key.refused_after_block", subject: ownerId(found.key.owner), detail: { key_id: found.key.id, name: found.key.name } }, now);
  await db.batch([update, audit]);
}

/** The description printed by the CLI and answered by the management API (never the key or its hash). */
export function describeApiKey(k: ApiKey) {
  return {
    id: k.id,
    name: k.name,
    hint: k.hint,
    ...(k.owner.kind === "account" ? { account_id: k.owner.accountId } : { client_id: k.owner.clientId }),
    scopes: k.scopes,
    created_at: new Date(k.createdAt).toISOString(),
    created_by: k.createdBy,
    expires_at: k.expiresAt !== null ? new Date(k.expiresAt).toISOString() : null,
    revoked_at: k.revokedAt !== null ? new Date(k.revokedAt).toISOString() : null,
    last_used_at: k.lastUsedAt !== null ? new Date(k.lastUsedAt).toISOString() : null,
  };
}
