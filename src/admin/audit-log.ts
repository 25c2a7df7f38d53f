/**
 * Reading the audit log: newest first, filtered by type, by an account or a client (as the subject of the
 * event or as its actor), and by time; a page at a time, by id (ids only grow, so pages are stable while
 * rows keep arriving).
 */
import { and, desc, eq, gte, lt, or, type SQL } from "drizzle-orm";
import { auditEvents } from "../db/schema";
import type { AppDeps } from "../deps";
import { beforeId, idPageOf, pageSize, type Page, type PageRequest } from "./pagination";

/** One audit event. */
export interface AuditEntry {
  id: number;
  /** Epoch ms. */
  at: number;
  type: string;
  /** Who did it (`cli`, an account id, a client id); null when the system did (a login, a refresh). */
  actor: string | null;
  /** Whom or what it was done to. */
  subject: string | null;
  detail: Record<string, unknown>;
}

/** Filters of {@link listAuditEvents}; all optional, all must hold. */
export interface AuditFilter extends PageRequest {
  /** One event type, e.g. `account.blocked`. */
  type?: string | undefined;
  /** Events about this account or done by it. */
  account?: string | undefined;
  /** Events about this client or done by it. */
  client?: string | undefined;
  /** From this time on (epoch ms, inclusive). */
  since?: number | undefined;
  /** Before this time (epoch ms, exclusive). */
  until?: number | undefined;
}

function parseDetail(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * A page of the audit log, newest first.
 * @example const { items, next } = await listAuditEvents(deps, { type: "account.blocked", limit: 50 });
 */
export async function listAuditEvents(deps: AppDeps, filter: AuditFilter): Promise<Page<AuditEntry>> {
  const limit = pageSize(filter);
  const about = (id: string) => or(eq(auditEvents.subject, id), eq(auditEvents.actor, id));
  const conditions: (SQL | undefined)[] = [
    beforeId(filter.cursor, auditEvents.id),
    filter.type !== undefined ? eq(auditEvents.type, filter.type) : undefined,
    filter.account !== undefined ? about(filter.account) : undefined,
    filter.client !== undefined ? about(filter.client) : undefined,
    filter.since !== undefined ? gte(auditEvents.at, filter.since) : undefined,
    filter.until !== undefined ? lt(auditEvents.at, filter.until) : undefined,
  ];
  const rows = await deps.db
    .select()
    .from(auditEvents)
    .where(and(...conditions))
    .orderBy(desc(auditEvents.id))
    .limit(limit + 1);
  const page = idPageOf(rows, limit);
  return { items: page.items.map((r) => ({ ...r, detail: parseDetail(r.detail) })), next: page.next };
}
