/**
 * A client as the management services hand it out: the registry's view plus its owner and its OpenID
 * Connect settings (the defaults when it registered none), never its secret hash. Reading one or a page of
 * them, each time only what the caller may see.
 */
import { and, desc, eq, or, sql, type SQL } from "drizzle-orm";
import { toClient, type Client } from "../clients/registry";
import type { Database } from "../db/client";
import { clients } from "../db/schema";
import type { AppDeps } from "../deps";
import { oidcSettings, oidcSettingsOf, type OidcClientSettings } from "../oidc/client-settings";
import type { Caller } from "./caller";
import { AdminError } from "./errors";
import { afterPosition, containing, pageOf, pageSize, type Page, type PageRequest } from "./pagination";

/** A managed client (never the secret or its hash). */
export interface ManagedClient extends Omit<Client, "secretHash"> {
  /** The developer account that owns it; null for an operator's client. */
  ownerAccountId: string | null;
  /** Whether it has a secret (confidential clients), which only a reset ever shows. */
  hasSecret: boolean;
  /** Its OpenID Connect registration: ID-token and UserInfo algorithms, post-logout redirect URIs. */
  oidc: OidcClientSettings;
}

/** A `clients` row. */
export type ClientRow = typeof clients.$inferSelect;

/** The managed view of a row and its OpenID Connect settings. */
export function toManaged(row: ClientRow, oidc: OidcClientSettings): ManagedClient {
  const { secretHash: _hash, ...client } = toClient(row);
  return { ...client, ownerAccountId: row.ownerAccountId, hasSecret: row.secretHash !== null, oidc };
}

/**
 * The managed view of a row, its OpenID Connect settings read beside it.
 * @example return managedClient(deps.db, { ...row, disabledAt: now });
 */
export async function managedClient(db: Database, row: ClientRow): Promise<ManagedClient> {
  return toManaged(row, await oidcSettings(db, row.id));
}

/** The row of client `id`, or undefined. */
export async function clientRow(db: Database, id: string): Promise<ClientRow | undefined> {
  const [row] = await db.select().from(clients).where(eq(clients.id, id)).limit(1);
  return row;
}

/**
 * The row of client `id` if `caller` may see it: operators see every client, developers their own. Anything
 * else is `not_found`, exactly like an id that does not exist, so ids of others' apps do not leak.
 * @example const row = await visibleClientRow(deps.db, caller, id);
 */
export async function visibleClientRow(db: Database, caller: Caller, id: string): Promise<ClientRow> {
  const row = await clientRow(db, id);
  if (!row || (caller.kind === "developer" && row.ownerAccountId !== caller.accountId)) throw new AdminError("not_found", `no client ${id}`);
  return row;
}

/**
 * One client the caller may see.
 * @example const client = await getManagedClient(deps, caller, "client_…");
 */
export async function getManagedClient(deps: AppDeps, caller: Caller, id: string): Promise<ManagedClient> {
  return managedClient(deps.db, await visibleClientRow(deps.db, caller, id));
}

/** Filters of {@link listManagedClients}. */
export interface ClientFilter extends PageRequest {
  /** A client id (exact), or part of a name (any case). */
  q?: string | undefined;
  /** Only this account's clients (operators; a developer always sees only their own). */
  owner?: string | undefined;
}

/**
 * The clients the caller may see, newest first, a page at a time.
 * @example const { items, next } = await listManagedClients(deps, caller, { q: "billing", limit: 20 });
 */
export async function listManagedClients(deps: AppDeps, caller: Caller, filter: ClientFilter): Promise<Page<ManagedClient>> {
  const limit = pageSize(filter);
  const conditions: (SQL | undefined)[] = [afterPosition(filter.cursor, clients.createdAt, clients.id)];
  const owner = caller.kind === "developer" ? caller.accountId : filter.owner;
  if (owner !== undefined) conditions.push(eq(clients.ownerAccountId, owner));
  if (filter.q !== undefined && filter.q !== "") {
    conditions.push(or(eq(clients.id, filter.q), sql`lower(${clients.name}) like ${containing(filter.q)} escape '\\'`));
  }
  const rows = await deps.db
    .select()
    .from(clients)
    .where(and(...conditions))
    .orderBy(desc(clients.createdAt), desc(clients.id))
    .limit(limit + 1);
  const page = pageOf(rows, limit, (r) => [r.createdAt, r.id]);
  const oidc = await oidcSettingsOf(deps.db, page.items.map((r) => r.id));
  return { items: page.items.map((r) => toManaged(r, oidc.get(r.id)!)), next: page.next };
}
