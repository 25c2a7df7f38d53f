/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * How the audit log reads on a page: each event type in words, who did it and to whom as names linked to
 * their pages, and the event's detail as short `key: value` text. Details are written without secrets
 * (src/audit.ts); values under names that sound like one are still never printed, so a future writer's
 * mistake does not end up on a page.
 */
import type { AuditType } from "../../audit";
import { ID_PREFIX } from "../../lib/ids";
import { AccountLink, ClientLink } from "./parts";

/** Every event type the server writes, in words (the check below fails to compile when one is missing). */
export const AUDIT_TYPES = {
  "account.created": "Account created",
  "account.blocked": "Account blocked",
  "account.unblocked": "Account unblocked",
  "identity.linked": "Identity linked",
  "identity.unlinked": "Identity unlinked",
  "session.revoked": "Session revoked",
  "entitlements.changed": "Entitlements changed",
  "client.created": "Client created",
  "client.registered": "Client registered itself (dynamic registration)",
  "client.updated": "Client changed",
  "client.disabled": "Client disabled",
  "client.enabled": "Client enabled",
  "client.deleted": "Client deleted",
  "client.secret_rotated": "Client secret reset",
  "token.revoked": "Token revoked",
  "refresh.reuse_detected": "Refresh token reuse detected",
  "api_key.created": "API key created",
  "api_key.revoked": "API key revoked",
  "api_key.refused_after_block": "API key refused after a block",
  "signing_key.rotated": "Signing key rotated",
  "resource.added": "Resource added",
  "resource.removed": "Resource removed",
  "consent.granted": "Consent given",
  "consent.revoked": "Consent withdrawn",
} as const satisfies Record<string, string>;

/** One event type the page knows by name. */
export type KnownAuditType = keyof typeof AUDIT_TYPES;

// Every AuditType has a name here: a type added to src/audit.ts without one is a compile error on this line.
const everyTypeNamed: [Exclude<AuditType, KnownAuditType>] extends [never] ? true : Exclude<AuditType, KnownAuditType> = true;
void everyTypeNamed;

/**
 * True for a type in {@link AUDIT_TYPES}.
 * @example isAuditType("account.blocked") // true
 */
export function isAuditType(type: string): type is KnownAuditType {
  return Object.hasOwn(AUDIT_TYPES, type);
}

/** Names of accounts and clients on the page, by id. */
export interface PartyNames {
  accounts: ReadonlyMap<string, string>;
  clients: ReadonlyMap<string, string>;
}

/**
 * An actor or subject: an account or client by name (linked), the CLI, or the system when there is none.
 * @example <Party id={e.actor} names={names} />
 */
export function Party(props: { id: string | null; names: PartyNames }) {
  const { id, names } = props;
  if (id === null) return <span class="muted">the system</span>;
  if (id === "cli") return <>the CLI</>;
  if (id.startsWith(ID_PREFIX.account)) return <AccountLink id={id} label={names.accounts.get(id)} />;
  if (id.startsWith(ID_PREFIX.client)) return names.clients.has(id) ? <ClientLink id={id} name={names.clients.get(id)} /> : <code>{id}</code>;
  return <code>{id}</code>;
}

/** Names whose values are never shown, whatever a writer put there. */
const SECRET_NAME = /secret|password|hash|token$|^code$|^key$|private/i;

function valueText(name: string, v: unknown): string {
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.length === 0 ? "none" : v.map((x) => valueText(name, x)).join(", ");
  // A key's scopes left unset mean whatever its owner has (src/apikeys/registry.ts).
  if (v === null || v === undefined) return name === "scopes" ? "all its owner has" : "none";
  if (typeof v === "object")
    return Object.entries(v)
      .map(([k, x]) => `${k} ${SECRET_NAME.test(k) ? "withheld" : valueText(k, x)}`)
      .join("; ");
  return String(v);
}

/**
 * An event's detail as `key: value` pairs; nothing when it has none.
 * @example <Detail detail={{ fields: ["scopes"] }} /> // fields: scopes
 */
export function Detail(props: { detail: Record<string, unknown> }) {
  const entries = Object.entries(props.detail);
  if (entries.length === 0) return <span class="muted">none</span>;
  // One element: a stacked table cell is a flex row on a phone, which would lay out each child as a column.
  return (
    <span>
      {entries.map(([k, v], i) => (
        <>
          {i > 0 ? <br /> : null}
          <span class="muted">{k}:</span> {SECRET_NAME.test(k) ? <em>withheld</em> : valueText(k, v)}
        </>
      ))}
    </span>
  );
}
