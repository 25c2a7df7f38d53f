/**
 * Reading the management API's input with zod: JSON bodies only (415 otherwise), query strings and path
 * parameters. A failure is a 400 problem listing every bad field.
 */
import type { Context } from "hono";
import { z } from "zod";
import { issueProblems } from "../admin/errors";
import { ProblemError } from "../errors";
import { problemLines } from "./errors";

function invalid(issues: readonly { path: readonly PropertyKey[]; message: string }[]): ProblemError {
  const errors = problemLines(issueProblems(issues));
  return new ProblemError(400, "Bad Request", errors.join("; "), { errors });
}

/**
 * The request's JSON body, validated (an empty body counts as `{}` for routes whose fields are all optional).
 * @example const body = await jsonBody(c, CreateClientBody);
 */
export async function jsonBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.output<T>> {
  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const text = await c.req.text();
  let json: unknown = {};
  if (text.trim() !== "") {
    if (type !== "application/json") throw new ProblemError(415, "Unsupported Media Type", "send the body as application/json");
    try {
      json = JSON.parse(text);
    } catch {
      throw new ProblemError(400, "Bad Request", "the body is not valid JSON");
    }
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalid(parsed.error.issues);
  return parsed.data;
}

/**
 * The query string, validated (a repeated parameter counts with its first value).
 * @example const q = query(c, ListQuery);
 */
export function query<T extends z.ZodType>(c: Context, schema: T): z.output<T> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw invalid(parsed.error.issues);
  return parsed.data;
}

const PathId = z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/);

/**
 * One path parameter, validated as an id: 1–200 printable characters (anything else names nothing: 404).
 * @example const id = pathId(c, "id");
 */
export function pathId(c: Context, name: string): string {
  const parsed = PathId.safeParse(c.req.param(name));
  if (!parsed.success) throw new ProblemError(404, "Not Found", `no such ${name}`);
  return parsed.data;
}

/** `limit` and `cursor` of every list (the range of `limit` is the services' to check). */
export const PageQuery = {
  limit: z
    .string()
    .regex(/^\d{1,6}$/, "must be a whole number")
    .transform(Number)
    .optional(),
  cursor: z.string().min(1).max(400).optional(),
};

/** An id given in a query string or body. */
export const IdParam = PathId;
