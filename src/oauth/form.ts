/**
 * Reading OAuth request bodies: `application/x-www-form-urlencoded` only, bounded in size while it is read,
 * every parameter at most once (RFC 6749 §3.1), `resource` excepted. Anything else is `invalid_request`,
 * never a 5xx.
 */
import type { Context } from "hono";
import { OAuthError } from "../errors";
import { SCOPE_STRING } from "../lib/scope";

/** Largest body accepted at the OAuth endpoints (bytes). */
export const MAX_FORM_BYTES = 16 * 1024;

/** Parameters that may legitimately repeat (RFC 8707 `resource`). */
const REPEATABLE = new Set(["resource"]);

/** A parsed form: single values, plus every value of the repeatable parameters. */
export interface OAuthForm {
  params: Record<string, string>;
  resources: string[];
}

/** A body over the limit (the caller answers it in its own format). */
export class BodyTooLargeError extends Error {
  override readonly name = "BodyTooLargeError";
}

/** The Node request under @hono/node-server (its `env.incoming`), when the body is still untouched. */
interface NodeIncoming {
  readableFlowing: boolean | null;
  readableEnded: boolean;
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  on(event: "end" | "error" | "aborted", listener: (err?: Error) => void): unknown;
}

function nodeIncoming(c: Context): NodeIncoming | undefined {
  const incoming = (c.env as { incoming?: NodeIncoming } | undefined)?.incoming;
  if (!incoming || typeof incoming.on !== "function" || incoming.readableFlowing !== null || incoming.readableEnded) return undefined;
  return incoming;
}

/**
 * A body of a declared length (at most the limit, checked by the caller; Node's HTTP parser never delivers
 * more than declared), read straight from Node's request: no web Request, stream or abort signal is built.
 */
function readDeclared(incoming: NodeIncoming, length: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const bytes = new Uint8Array(length);
    let offset = 0;
    incoming.on("data", (chunk) => {
      if (offset + chunk.byteLength > length) return reject(new BodyTooLargeError("request body too large"));
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    });
    incoming.on("end", () => resolve(decoder.decode(bytes.subarray(0, offset))));
    incoming.on("error", (err) => reject(err ?? new Error("request body unreadable")));
    incoming.on("aborted", () => reject(new Error("request aborted")));
  });
}

const decoder = new TextDecoder();

/**
 * The request body as UTF-8 text, reading at most `maxBytes` of it: one byte more and the stream is
 * cancelled and {@link BodyTooLargeError} thrown. The app-wide body limit runs first; this keeps a handler
 * bounded on its own (mounted elsewhere, or a future route outside that middleware).
 * @example const text = await readBodyText(c, MAX_FORM_BYTES);
 */
export async function readBodyText(c: Context, maxBytes: number): Promise<string> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > maxBytes) throw new BodyTooLargeError("request body too large");
  const incoming = nodeIncoming(c);
  if (incoming && declared > 0) return readDeclared(incoming, declared);
  const raw = c.req.raw;
  // Already read by someone else through hono's cache: it is in memory anyway.
  if (raw.bodyUsed) return c.req.text();
  if (!raw.body) return "";
  const reader = raw.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      reader.cancel().catch(() => undefined);
      throw new BodyTooLargeError("request body too large");
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return decoder.decode(bytes);
}

/**
 * Parse the request's form body.
 * @example const { params } = await readForm(c);
 */
export async function readForm(c: Context): Promise<OAuthForm> {
  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded")
    throw new OAuthError("invalid_request", "the body must be application/x-www-form-urlencoded");
  let text: string;
  try {
    text = await readBodyText(c, MAX_FORM_BYTES);
  } catch (e) {
    if (e instanceof BodyTooLargeError) throw new OAuthError("invalid_request", "request body too large", { status: 413 });
    throw new OAuthError("invalid_request", "unreadable request body");
  }
  const params: Record<string, string> = {};
  const resources: string[] = [];
  const seen = new Set<string>();
  for (const [k, v] of new URLSearchParams(text)) {
    if (REPEATABLE.has(k)) {
      resources.push(v);
      continue;
    }
    // Checked before empty values are dropped: `grant_type=&grant_type=x` repeats grant_type too.
    if (seen.has(k)) throw new OAuthError("invalid_request", `parameter ${k} given more than once`);
    seen.add(k);
    if (v === "") continue; // RFC 6749 §3.1: empty parameters are treated as omitted
    params[k] = v;
  }
  return { params, resources };
}

/** Split a `scope` parameter into tokens (RFC 6749 §3.3). */
export function parseScope(scope: string | undefined): string[] {
  if (!scope) return [];
  if (!SCOPE_STRING.test(scope)) throw new OAuthError("invalid_scope", "malformed scope");
  return [...new Set(scope.split(" "))];
}
