/** Audit events in the database: who did what to which client, token or account. */
import type { Database } from "./db/client";
import { auditEvents } from "./db/schema";

/** Kinds of audit events. */
export type AuditType =
  | "client.created"
  | "client.disabled"
  | "client.secret_rotated"
  | "client.updated"
  | "client.enabled"
  | "client.deleted"
  | "signing_key.rotated"
  | "token.revoked"
  | "refresh.reuse_detected"
  | "account.created"
  | "account.blocked"
  | "account.unblocked"
  | "identity.linked"
  | "identity.unlinked"
  | "session.revoked"
  | "entitlements.changed"
  | "api_key.created"
  | "api_key.revoked"
  | "api_key.refused_after_block"
  | "resource.added"
  | "resource.removed"
  | "client.registered"
  | "consent.granted"
  | "consent.revoked";

/** One event to record. `detail` must not contain secrets or token hashes. */
export interface AuditEvent {
  type: AuditType;
  actor?: string | undefined;
  subject?: string | undefined;
  detail?: Record<string, unknown>;
}

/** The insert statement for an event (to batch with the change it records). */
export function auditInsert(db: Database, event: AuditEvent, at: number) {
  return db.insert(auditEvents).values({
    at,
    type: event.type,
    actor: event.actor ?? null,
    subject: event.subject ?? null,
    detail: JSON.stringify(event.detail ?? {}),
  });
}

/** Record an event on its own. */
export async function recordAudit(db: Database, event: AuditEvent, at = Date.now()): Promise<void> {
  await auditInsert(db, event, at);
}
