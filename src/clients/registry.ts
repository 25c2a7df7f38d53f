/**
 * The client registry: confidential and public OAuth clients with their allowed grants, scopes, redirect
 * URIs and audiences. Secrets are shown once and kept only as hashes.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { auditInsert } from "../audit";
import type { Database } from "../db/client";
import { apiKeys, clients } from "../db/schema";
import { newId } from "../lib/ids";
import { SCOPE_TOKEN, SCOPE_TOKEN_RULE } from "../lib/scope";
import { RedirectUri } from "./redirect-uri";
import { hashClientSecret, newClientSecret } from "./secret-hash";

/** Grant types a client may be allowed. */
export const GRANT_TYPES = [
  "authorization_code",
  "refresh_token",
  "client_credentials",
  "urn:ietf:params:oauth:grant-type:token-exchange",
] as const;
/** One grant type. */
export type GrantType = (typeof GRANT_TYPES)[number];

/** A registered client as the rest of the server sees it (never the secret). */
export interface Client {
  id: string;
  name: string;
  isPublic: boolean;
  grants: GrantType[];
  scopes: string[];
  redirectUris: string[];
  audiences: string[];
  /** Audiences whose access tokens this client may introspect (a resource server); its own tokens always. */
  introspectAudiences: string[];
  createdAt: number;
  disabledAt: number | null;
  /** Hash of the secret; null for public clients. Only client authentication reads it. */
  secretHash: string | null;
  /**
   * Who brought the client in. Only `operator` clients (the CLI, the operator console) are first-party and
   * skip the consent screen; a developer's app, a dynamically registered client and a metadata-document
   * client are third-party.
   */
  origin: ClientOrigin;
  /** Last use of a dynamically registered client (written at most once a day); null otherwise. */
  lastUsedAt: number | null;
}

/** Where a client came from (see {@link Client.origin}). */
export type ClientOrigin = "operator" | "developer" | "dynamic" | "metadata-document";

/**
 * Whether a client is first-party: created by an operator. Every other client asks the person's consent.
 * @example if (!isFirstParty(client)) return consentPage(…);
 */
export function isFirstParty(client: Pick<Client, "origin">): boolean {
  return client.origin === "operator";
}

const scopeToken = z.string().regex(SCOPE_TOKEN, SCOPE_TOKEN_RULE);

/** Input of {@link createClient}, validated. */
export const CreateClientInput = z
  .object({
    name: z.string().min(1).max(200),
    isPublic: z.boolean().default(false),
    grants: z.array(z.enum(GRANT_TYPES)).optional(),
    scopes: z.array(scopeToken).default([]),
    redirectUris: z.array(RedirectUri).default([]),
    audiences: z.array(z.string().min(1)).default([]),
    introspectAudiences: z.array(z.string().min(1)).default([]),
  })
  .transform((v) => ({
    ...v,
    grants: v.grants ?? (v.redirectUris.length > 0 || v.isPublic ? (["authorization_code", "refresh_token"] as GrantType[]) : (["client_credentials"] as GrantType[])),
  }))
  .superRefine((v, ctx) => {
    if (v.isPublic && v.grants.some((g) => g === "client_credentials" || g.startsWith("urn:")))
      ctx.addIssue({ code: "custom", path: ["grants"], message: "public clients cannot use client_credentials or token exchange" });
    if (v.isPublic && v.introspectAudiences.length > 0)
      ctx.addIssue({ code: "custom", path: ["introspectAudiences"], message: "public clients cannot introspect" });
    if (v.grants.includes("authorization_code") && v.redirectUris.length === 0)
      ctx.addIssue({ code: "custom", path: ["redirectUris"], message: "authorization_code needs at least one redirect URI" });
  });

/** A `clients` row (as drizzle maps it) in the shape the rest of the server sees. */
export function toClient(row: typeof clients.$inferSelect): Client {
  return {
    id: row.id,
    name: row.name,
    isPublic: row.isPublic,
    grants: JSON.parse(row.grants) as GrantType[],
    scopes: JSON.parse(row.scopes) as string[],
    redirectUris: JSON.parse(row.redirectUris) as string[],
    audiences: JSON.parse(row.audiences) as string[],
    introspectAudiences: JSON.parse(row.introspectAudiences) as string[],
    createdAt: row.createdAt,
    disabledAt: row.disabledAt,
    secretHash: row.secretHash,
    origin: row.dynamicRegistration ? "dynamic" : row.ownerAccountId !== null ? "developer" : "operator",
    lastUsedAt: row.lastUsedAt,
  };
}

/** Public view of a client (for listings), in the snake_case of the CLI's and the protocol's JSON. */
export function describeClient(c: Pick<Client, "id" | "name" | "isPublic" | "grants" | "scopes" | "redirectUris" | "audiences" | "introspectAudiences" | "createdAt" | "disabledAt">) {
  return {
    client_id: c.id,
    name: c.name,
    public: c.isPublic,
    grants: c.grants,
    scopes: c.scopes,
    redirect_uris: c.redirectUris,
    audiences: c.audiences,
    introspect_audiences: c.introspectAudiences,
    created_at: new Date(c.createdAt).toISOString(),
    disabled_at: c.disabledAt === null ? null : new Date(c.disabledAt).toISOString(),
  };
}

/**
 * Register a client; the secret (confidential clients) is returned once.
 * @example const { client, secret } = await createClient(db, { name: "billing", scopes: ["invoices:read"] });
 */
export async function createClient(db: Database, input: z.input<typeof CreateClientInput>, now = Date.now()) {
  const v = CreateClientInput.parse(input);
  const id = newId("client");
  const secret = v.isPublic ? undefined : newClientSecret();
  const row = {
    id,
    name: v.name,
    isPublic: v.isPublic,
    secretHash: secret ? await hashClientSecret(secret) : null,
    grants: JSON.stringify(v.grants),
    scopes: JSON.stringify(v.scopes),
    redirectUris: JSON.stringify(v.redirectUris),
    audiences: JSON.stringify(v.audiences),
    introspectAudiences: JSON.stringify(v.introspectAudiences),
    createdAt: now,
    disabledAt: null,
    ownerAccountId: null, // the CLI's clients are the operator's
    dynamicRegistration: false,
    lastUsedAt: null,
  };
  await db.batch([db.insert(clients).values(row), auditInsert(db, { type: "client.created", subject: id, detail: { name: v.name, grants: v.grants } }, now)]);
  return { client: toClient(row), secret };
}

// Looked up on every token request: built once per database instead of per call.
const byIdQueries = new WeakMap<Database, ReturnType<typeof prepareById>>();
function prepareById(db: Database) {
  return db.select().from(clients).where(eq(clients.id, sql.placeholder("id"))).limit(1).prepare();
}

/** One client by id, or undefined. */
export async function findClient(db: Database, id: string): Promise<Client | undefined> {
  let query = byIdQueries.get(db);
  if (!query) byIdQueries.set(db, (query = prepareById(db)));
  const rows = await query.all({ id });
  return rows[0] ? toClient(rows[0]) : undefined;
}

/** All clients, oldest first. */
export async function listClients(db: Database): Promise<Client[]> {
  return (await db.select().from(clients).orderBy(clients.createdAt)).map(toClient);
}

/** Disable a client: it authenticates no more and gets nothing; its API keys are revoked. */
export async function disableClient(db: Database, id: string, now = Date.now()): Promise<Client> {
  const found = await findClient(db, id);
  if (!found) throw new Error(`no client ${id}`);
  if (found.disabledAt !== null) return found; // already disabled: keep the original time, no second event
  await db.batch([
    db.update(clients).set({ disabledAt: now }).where(eq(clients.id, id)),
    auditInsert(db, { type: "client.disabled", subject: id }, now),
    // Its service keys die with it, for good: enabling the client again does not bring them back.
    db.update(apiKeys).set({ revokedAt: now }).where(and(eq(apiKeys.clientId, id), isNull(apiKeys.revokedAt))),
  ]);
  return { ...found, disabledAt: now };
}

/** Replace a confidential client's secret; the new one is returned once, the old one stops working. */
export async function rotateClientSecret(db: Database, id: string, now = Date.now()): Promise<{ client: Client; secret: string }> {
  const found = await findClient(db, id);
  if (!found) throw new Error(`no client ${id}`);
  if (found.isPublic) throw new Error(`client ${id} is public and has no secret`);
  const secret = newClientSecret();
  const secretHash = await hashClientSecret(secret);
  await db.batch([
    db.update(clients).set({ secretHash }).where(eq(clients.id, id)),
    auditInsert(db, { type: "client.secret_rotated", subject: id }, now),
  ]);
  return { client: { ...found, secretHash }, secret };
}
