/**
 * Clients that registered themselves at `POST /register` (RFC 7591): always public, always third-party.
 * Anyone can make one, so they must not pile up: one unused for {@link DYNAMIC_CLIENT_IDLE_MS} is treated
 * as gone at once (every look-up refuses it) and its row is deleted by the next registration's sweep.
 * Use (an authorization request, a token request) is written at most once a day per client — never a
 * write per token request. The OpenID Connect settings a registration asked for are kept like the
 * operator's (`client_oidc`, oidc/client-settings.ts) and swept with the client.
 */
import { and, eq, inArray, lt, sql } from "drizzle-orm";
import { auditInsert } from "../audit";
import type { Database } from "../db/client";
import { clientOidc, clients, consents } from "../db/schema";
import { newId } from "../lib/ids";
import { oidcSettingsWrite, type OidcClientSettings } from "../oidc/client-settings";
import { describeOidcSettings } from "../oidc/registration-metadata";
import { toClient, type Client, type GrantType } from "./registry";

/** A dynamically registered client unused this long is gone (ms): 30 days. */
export const DYNAMIC_CLIENT_IDLE_MS = 30 * 86_400_000;
/** Use is recorded at most this often per client (ms): a day. */
const TOUCH_EVERY_MS = 86_400_000;

/** When a client was last seen in use (its registration counts as a use). */
function lastUse(client: Pick<Client, "lastUsedAt" | "createdAt">): number {
  return client.lastUsedAt ?? client.createdAt;
}

/**
 * Whether a dynamically registered client went unused for too long (always false for other clients).
 * @example if (isExpiredDynamicClient(client, deps.now())) return undefined;
 */
export function isExpiredDynamicClient(client: Client, now: number): boolean {
  return client.origin === "dynamic" && now - lastUse(client) >= DYNAMIC_CLIENT_IDLE_MS;
}

/**
 * Record a use of a dynamically registered client, when the last recorded one is a day old or more.
 * @example await touchDynamicClient(deps.db, client, deps.now());
 */
export async function touchDynamicClient(db: Database, client: Client, now: number): Promise<void> {
  if (client.origin !== "dynamic" || now - lastUse(client) < TOUCH_EVERY_MS) return;
  await db.update(clients).set({ lastUsedAt: now }).where(eq(clients.id, client.id));
}

/** What a registration asks for, already validated (see oauth/register.ts). */
export interface DynamicRegistration {
  name: string;
  redirectUris: string[];
  grants: GrantType[];
  /** The scopes the client limits itself to (RFC 7591 `scope`); empty: no limit of its own. */
  scopes: string[];
  /**
   * The OpenID Connect settings it registered, already checked (oidc/registration-metadata.ts); absent: it
   * registered none (the defaults, and no row).
   */
  oidc?: OidcClientSettings | undefined;
}

/**
 * Store a new dynamically registered client.
 * @example const client = await registerDynamicClient(db, { name: "Inspector", redirectUris: ["http://127.0.0.1:6274/cb"], grants: ["authorization_code", "refresh_token"], scopes: [] }, now);
 */
export async function registerDynamicClient(db: Database, reg: DynamicRegistration, now: number): Promise<Client> {
  const row = {
    id: newId("client"),
    name: reg.name,
    isPublic: true,
    secretHash: null,
    grants: JSON.stringify(reg.grants),
    scopes: JSON.stringify(reg.scopes),
    redirectUris: JSON.stringify(reg.redirectUris),
    audiences: "[]",
    introspectAudiences: "[]",
    createdAt: now,
    disabledAt: null,
    ownerAccountId: null,
    dynamicRegistration: true,
    lastUsedAt: null,
  };
  const oidc = reg.oidc;
  const detail = { name: reg.name, redirect_uris: reg.redirectUris, ...(oidc ? describeOidcSettings(oidc) : {}) };
  // One batch: a client is never stored without the settings it registered.
  await db.batch([
    db.insert(clients).values(row),
    ...(oidc ? [oidcSettingsWrite(db, row.id, oidc, now)] : []),
    auditInsert(db, { type: "client.registered", subject: row.id, detail }, now),
  ]);
  return toClient(row);
}

/**
 * Delete dynamically registered clients that went unused for too long, with the consents given to them
 * and their OpenID Connect settings.
 * Returns how many went.
 * @example await sweepExpiredDynamicClients(db, Date.now());
 */
export async function sweepExpiredDynamicClients(db: Database, now: number): Promise<number> {
  const cutoff = now - DYNAMIC_CLIENT_IDLE_MS;
  const expired = and(eq(clients.dynamicRegistration, true), lt(sql`coalesce(${clients.lastUsedAt}, ${clients.createdAt})`, cutoff));
  const ids = (await db.select({ id: clients.id }).from(clients).where(expired).limit(500)).map((r) => r.id);
  if (ids.length === 0) return 0;
  await db.batch([
    db.delete(consents).where(inArray(consents.clientId, ids)),
    db.delete(clientOidc).where(inArray(clientOidc.clientId, ids)),
    db.delete(clients).where(inArray(clients.id, ids)),
  ]);
  return ids.length;
}
