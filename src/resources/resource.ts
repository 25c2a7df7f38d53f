/**
 * A resource (RFC 8707): one API this server issues tokens for. Its URI is the `aud` of those tokens,
 * compared as an exact string; the scopes it understands bound what any of its tokens carries.
 *
 * This module is the shape and its validation only (no I/O), shared by the configuration
 * (`AUTHBRIDGE_RESOURCES`), the registry in the database and the CLI.
 */
import { z } from "zod";
import { isLoopbackHost } from "../lib/loopback";
import { SCOPE_TOKEN, SCOPE_TOKEN_RULE } from "../lib/scope";

/** A registered resource. */
export interface Resource {
  /** The resource indicator, in the canonical form `new URL(uri).href` gives (what clients send). */
  uri: string;
  name: string;
  /** The scopes it understands; a token for it never carries any other. */
  scopes: string[];
  /** Scope → what it lets an app do, in words (the consent screen); scopes without one show the token. */
  descriptions: Record<string, string>;
  /** Where it is declared: `AUTHBRIDGE_RESOURCES`, or the database (the CLI). */
  source: "configuration" | "database";
  createdAt: number | null;
}

const scopeToken = z.string().regex(SCOPE_TOKEN, SCOPE_TOKEN_RULE).max(200);

/**
 * A resource URI as an operator types it: absolute https (or http on loopback, for local work), without
 * credentials, query or fragment (RFC 8707 §2), turned into its canonical form — so `https://API.example.com`
 * is stored as `https://api.example.com/`, which is what clients computing it from a URL send.
 * @example ResourceUri.parse("https://api.example.com/mcp") // "https://api.example.com/mcp"
 */
export const ResourceUri = z
  .string()
  .min(1, "must not be empty")
  .max(2000, "must be at most 2000 characters")
  .superRefine((v, ctx) => {
    const problem = resourceUriProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .transform((v) => new URL(v).href);

/** What is wrong with a resource URI, or undefined. */
export function resourceUriProblem(v: string): string | undefined {
  if (!URL.canParse(v)) return "must be an absolute URI such as https://api.example.com/mcp";
  const u = new URL(v);
  if (u.protocol !== "https:" && !(u.protocol === "http:" && isLoopbackHost(u.hostname))) return "must be https (http only on localhost)";
  if (u.username || u.password) return "must not contain credentials";
  if (u.search || v.includes("?")) return "must not have a query";
  if (u.hash || v.includes("#")) return "must not have a fragment";
  return undefined;
}

/** Input of a new resource (CLI, configuration), validated. */
export const ResourceInput = z
  .object({
    uri: ResourceUri,
    name: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
    scopes: z.array(scopeToken).min(1, "give at least one scope: a token for the resource carries only these"),
    descriptions: z.record(z.string(), z.string().trim().min(1).max(300)).default({}),
  })
  .strict()
  .superRefine((v, ctx) => {
    for (const scope of Object.keys(v.descriptions))
      if (!v.scopes.includes(scope)) ctx.addIssue({ code: "custom", path: ["descriptions", scope], message: "describes a scope the resource does not list" });
  })
  .transform((v) => ({ ...v, scopes: [...new Set(v.scopes)] }));

/** A validated {@link ResourceInput}. */
export type ResourceInput = z.output<typeof ResourceInput>;

/**
 * The scopes of `scopes` that `resource` understands (all of them when there is no registered resource).
 * @example withinResource(["repos:read", "admin"], resource) // ["repos:read"]
 */
export function withinResource(scopes: readonly string[], resource: Pick<Resource, "scopes"> | undefined): string[] {
  if (!resource) return [...scopes];
  const understood = new Set(resource.scopes);
  return scopes.filter((s) => understood.has(s));
}

/** The words for a scope on the consent screen: the resource's description, else the scope token itself. */
export function describeScope(resource: Pick<Resource, "descriptions"> | undefined, scope: string): string | undefined {
  return resource && Object.hasOwn(resource.descriptions, scope) ? resource.descriptions[scope] : undefined;
}
