/** Management API: the audit log (operators). */
import { z } from "zod";
import { listAuditEvents } from "../admin/audit-log";
import { presentAuditEntry } from "../admin/present";
import { IdParam, PageQuery, query } from "./input";
import { list, route } from "./route";

const time = z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z" }).transform((v) => Date.parse(v));

const AuditQuery = z.object({
  ...PageQuery,
  type: z
    .string()
    .regex(/^[a-z_]+\.[a-z_]+$/, "must be an event type such as account.blocked")
    .optional(),
  account: IdParam.optional(),
  client: IdParam.optional(),
  since: time.optional(),
  until: time.optional(),
});

/** `/api/v1/audit` routes. */
export const auditRoutes = [
  route("GET", "/api/v1/audit", "operator", "the audit log, newest first: type, account, client, since, until (ISO 8601), limit ≤ 200", async ({ c, deps }) => {
    const page = await listAuditEvents(deps, query(c, AuditQuery));
    return list(c, page.items.map(presentAuditEntry), page.next);
  }),
];
