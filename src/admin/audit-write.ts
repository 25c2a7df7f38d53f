/**
 * Audit rows written by the management services: the shared shape (`auditInsert`), with an actor always
 * required — every change made through the API, the console or the CLI names who made it.
 */
import { auditInsert, type AuditEvent } from "../audit";
import type { Database } from "../db/client";

/** One event to record, always with its actor. `detail` must not contain secrets or hashes. */
export interface ManagementEvent extends AuditEvent {
  actor: string;
}

/**
 * The insert statement for an event, to batch with the change it records (one transaction: no change
 * without its row, no row without its change).
 * @example await db.batch([db.update(clients)…, auditRow(db, { type: "client.enabled", actor, subject: id }, now)]);
 */
export function auditRow(db: Database, event: ManagementEvent, at: number) {
  return auditInsert(db, event, at);
}
