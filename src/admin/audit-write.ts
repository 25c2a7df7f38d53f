/**
 * Audit rows for the management operations the shared list in src/audit.ts does not name yet. Rows go to
 * the same table in the same shape (`auditInsert`), so the audit log reads them like any other.
 */
import { auditInsert, type AuditType } from "../audit";
import type { Database } from "../db/client";
import { auditEvents } from "../db/schema";

/** Event types only the management services write. */
export const MANAGEMENT_AUDIT_TYPES = ["client.updated", "client.enabled", "client.deleted", "signing_key.rotated"] as const;

/** Any event a management service writes. */
export type ManagementAuditType = AuditType | (typeof MANAGEMENT_AUDIT_TYPES)[number];

/** One event to record, always with its actor. `detail` must not contain secrets or hashes. */
export interface ManagementEvent {
  type: ManagementAuditType;
  actor: string;
  subject?: string | undefined;
  detail?: Record<string, unknown>;
}

const isManagementOnly = (t: ManagementAuditType): t is (typeof MANAGEMENT_AUDIT_TYPES)[number] => (MANAGEMENT_AUDIT_TYPES as readonly string[]).includes(t);

/**
 * The insert statement for an event, to batch with the change it records (one transaction: no change
 * without its row, no row without its change).
 * @example await db.batch([db.update(clients)…, auditRow(db, { type: "client.enabled", actor, subject: id }, now)]);
 */
export function auditRow(db: Database, event: ManagementEvent, at: number) {
  if (!isManagementOnly(event.type)) return auditInsert(db, { ...event, type: event.type }, at);
  return db.insert(auditEvents).values({ at, type: event.type, actor: event.actor, subject: event.subject ?? null, detail: JSON.stringify(event.detail ?? {}) });
}
