/**
 * Keyset pagination for the management lists: a page holds at most `limit` items, newest first, and `next`
 * is an opaque cursor naming the last item (never an offset, so rows written meanwhile neither repeat
 * nor vanish between pages).
 */
import { and, eq, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { z } from "zod";
import { fromBase64Url, toBase64Url } from "../lib/secret";
import { invalidInput } from "./errors";

/** The most items one page may hold. */
export const MAX_PAGE = 200;
/** Items per page when the caller does not say. */
export const DEFAULT_PAGE = 50;

/** One page of a list. */
export interface Page<T> {
  items: T[];
  /** Cursor of the next page; undefined on the last one. */
  next: string | undefined;
}

/** How much of a list to read: a page size and where the previous page ended. */
export interface PageRequest {
  limit?: number | undefined;
  cursor?: string | undefined;
}

/** Position of a row in the (created_at desc, id desc) order. */
const Position = z.tuple([z.number().int(), z.string().min(1).max(200)]);
type Position = z.infer<typeof Position>;

/** The page size asked for, bounded. */
export function pageSize(req: PageRequest): number {
  const n = req.limit ?? DEFAULT_PAGE;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) throw invalidInput([{ field: "limit", message: `must be a whole number from 1 to ${MAX_PAGE}` }]);
  return n;
}

function encode(value: unknown): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(value)));
}

function decode<T>(cursor: string, schema: z.ZodType<T>): T {
  const bytes = cursor.length <= 400 ? fromBase64Url(cursor) : undefined;
  let json: unknown;
  try {
    json = bytes ? JSON.parse(new TextDecoder().decode(bytes)) : undefined;
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalidInput([{ field: "cursor", message: "not a cursor this server gave out" }]);
  return parsed.data;
}

/**
 * The condition "after the cursor" in (created_at desc, id desc) order; undefined without a cursor.
 * @example db.select().from(clients).where(and(filter, afterPosition(req.cursor, clients.createdAt, clients.id)))
 */
export function afterPosition(cursor: string | undefined, createdAt: SQLiteColumn, id: SQLiteColumn): SQL | undefined {
  if (cursor === undefined) return undefined;
  const [at, last] = decode<Position>(cursor, Position);
  return or(lt(createdAt, at), and(eq(createdAt, at), lt(id, last)));
}

/**
 * Cut `rows` (read with `limit + 1`) into a page whose cursor names its last row.
 * @example return pageOf(rows, limit, (r) => [r.createdAt, r.id]);
 */
export function pageOf<T>(rows: T[], limit: number, positionOf: (row: T) => Position): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last !== undefined ? encode(positionOf(last)) : undefined };
}

/** The condition "older than the cursor" for lists ordered by an integer id, newest first (the audit log). */
export function beforeId(cursor: string | undefined, id: SQLiteColumn): SQL | undefined {
  if (cursor === undefined) return undefined;
  return lt(id, decode(cursor, z.number().int().positive()));
}

/**
 * Cut `rows` (read with `limit + 1`, ordered by id descending) into a page.
 * @example return idPageOf(rows, limit);
 */
export function idPageOf<T extends { id: number }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last !== undefined ? encode(last.id) : undefined };
}

/**
 * A LIKE pattern matching `text` anywhere, with `%`, `_` and the escape character taken literally
 * (use with `escape '\'`).
 * @example sql`lower(${clients.name}) like ${containing(q)} escape '\\'`
 */
export function containing(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}
