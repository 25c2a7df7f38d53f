/**
 * `audit list`: the audit log through the management service (src/admin/audit-log.ts), newest first, a
 * page at a time — the same filters and cursors as `GET /api/v1/audit`. Needs only the database.
 */
import { z } from "zod";
import { listAuditEvents, type AuditFilter } from "../admin/audit-log";
import { UsageError, type ParsedArgs } from "./args";
import type { CliContext } from "./commands";
import { presentAuditEntry, presentPage } from "../admin/present";
import { asCli, PAGE_FLAGS, pageLimit, serviceDeps, stringOption } from "./services";

/** The shape of an event type (`account.blocked`), as the management API accepts it. */
const EVENT_TYPE = /^[a-z_]+\.[a-z_]+$/;

/** An ISO 8601 date-time with its offset, or a date (midnight UTC). */
const Instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

/** `--since`/`--until` as epoch ms, when given. */
function instant(values: ParsedArgs["values"], flag: "since" | "until"): number | undefined {
  const text = stringOption(values, flag);
  if (text === undefined) return undefined;
  if (!Instant.safeParse(text).success) throw new UsageError(`--${flag} ${JSON.stringify(text)}: must be an ISO 8601 date-time or date, e.g. 2026-01-31T12:00:00Z or 2026-01-31`);
  return Date.parse(text);
}

/**
 * The filter of `audit list`, or a UsageError naming the flag (checked before anything opens).
 * @example auditFilter({ type: "account.blocked", limit: "20" }) // { type: "account.blocked", limit: 20, … }
 */
export function auditFilter(values: ParsedArgs["values"]): AuditFilter {
  const type = stringOption(values, "type");
  if (type !== undefined && !EVENT_TYPE.test(type)) throw new UsageError(`--type ${JSON.stringify(type)}: must be an event type such as account.blocked or client.updated`);
  return {
    type,
    account: stringOption(values, "account"),
    client: stringOption(values, "client"),
    since: instant(values, "since"),
    until: instant(values, "until"),
    limit: pageLimit(values),
    cursor: stringOption(values, "before"),
  };
}

/** Checks of the arguments, run before anything is opened. */
export const auditChecks: Record<string, (args: ParsedArgs) => void> = {
  "audit list": ({ values }) => void auditFilter(values),
};

/** Runs of the `audit` commands. */
export const auditRuns: Record<string, (args: ParsedArgs, ctx: CliContext) => Promise<unknown>> = {
  "audit list": async ({ values }, ctx) => {
    const filter = auditFilter(values);
    return presentPage(await asCli(PAGE_FLAGS, { ...filter }, () => listAuditEvents(serviceDeps(ctx), filter)), presentAuditEntry);
  },
};
