/**
 * The resource registry in the database (managed with the CLI's `resources add | list | remove`). Resources
 * declared in `AUTHBRIDGE_RESOURCES` live in the configuration instead; {@link ./lookup.ts} reads both.
 */
import { asc, eq } from "drizzle-orm";
import type { z } from "zod";
import { auditInsert } from "../audit";
import type { Database } from "../db/client";
import { consents, resources } from "../db/schema";
import { ResourceInput, ResourceUri, type Resource } from "./resource";

/** A refused registry change: `exists` (add), `not_found` (remove). */
export class ResourceError extends Error {
  override readonly name = "ResourceError";
  constructor(
    readonly code: "exists" | "not_found",
    message: string,
  ) {
    super(message);
  }
}

function toResource(row: typeof resources.$inferSelect): Resource {
  return {
    uri: row.uri,
    name: row.name,
    scopes: JSON.parse(row.scopes) as string[],
    descriptions: JSON.parse(row.scopeDescriptions) as Record<string, string>,
    source: "database",
    createdAt: row.createdAt,
  };
}

/** A resource in the snake_case JSON of the CLI. */
export function describeResource(r: Resource) {
  return {
    uri: r.uri,
    name: r.name,
    scopes: r.scopes,
    scope_descriptions: r.descriptions,
    source: r.source,
    created_at: r.createdAt === null ? null : new Date(r.createdAt).toISOString(),
  };
}

/**
 * Register a resource (its URI in canonical form). A URI already registered is refused: remove it first.
 * @example await addResource(db, { uri: "https://api.example.com/mcp", name: "Notes MCP", scopes: ["notes:read"] }, "cli");
 */
export async function addResource(db: Database, input: z.input<typeof ResourceInput>, actor: string, now = Date.now()): Promise<Resource> {
  const v = ResourceInput.parse(input);
  const row = { uri: v.uri, name: v.name, scopes: JSON.stringify(v.scopes), scopeDescriptions: JSON.stringify(v.descriptions), createdAt: now };
  if (await findResource(db, v.uri)) throw new ResourceError("exists", `${v.uri} is already registered (remove it first to change it)`);
  await db.batch([
    db.insert(resources).values(row),
    auditInsert(db, { type: "resource.added", actor, subject: v.uri, detail: { name: v.name, scopes: v.scopes } }, now),
  ]);
  return toResource(row);
}

/** Every registered resource, by URI. */
export async function listResources(db: Database): Promise<Resource[]> {
  return (await db.select().from(resources).orderBy(asc(resources.uri))).map(toResource);
}

/** One registered resource by its exact URI, or undefined. */
export async function findResource(db: Database, uri: string): Promise<Resource | undefined> {
  const [row] = await db.select().from(resources).where(eq(resources.uri, uri)).limit(1);
  return row ? toResource(row) : undefined;
}

/**
 * Remove a resource (the URI is taken in canonical form). Tokens are no longer issued for it and its
 * refresh families stop refreshing; the consents given for it are forgotten.
 * @example await removeResource(db, "https://api.example.com/mcp", "cli");
 */
export async function removeResource(db: Database, uri: string, actor: string, now = Date.now()): Promise<Resource> {
  const canonical = ResourceUri.safeParse(uri);
  const found = await findResource(db, canonical.success ? canonical.data : uri);
  if (!found) throw new ResourceError("not_found", `no resource ${uri}`);
  await db.batch([
    db.delete(resources).where(eq(resources.uri, found.uri)),
    db.delete(consents).where(eq(consents.resource, found.uri)),
    auditInsert(db, { type: "resource.removed", actor, subject: found.uri }, now),
  ]);
  return found;
}
