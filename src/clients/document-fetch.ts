/**
 * Fetching one metadata document, behind a small port so each runtime brings its own way out:
 * - Node: `src/runtime/node-document-fetch.ts` resolves the host itself, refuses private, loopback,
 *   link-local, unique-local, CGNAT, multicast and reserved addresses, and connects to the very address it
 *   checked (no second resolution a DNS rebinding could swap).
 * - Workers (and anything else): {@link webDocumentFetch} over the platform's `fetch`. There is no
 *   resolution step to control there, and none is needed: a Worker's subrequests leave through
 *   Cloudflare's network to the public Internet and cannot reach the Worker's own host, a private network
 *   or a cloud metadata address; IP literals and loopback names are refused before any fetch anyway
 *   (`clientIdUrlProblem`).
 * Both refuse redirects, stop reading past the size bound, and give up at the deadline.
 */
import { MetadataDocumentError } from "./metadata-document";

/** A fetched document: its body and the Cache-Control header that says how long to keep it. */
export interface FetchedDocument {
  body: string;
  cacheControl: string | null;
}

/** Bounds of one fetch. */
export interface FetchLimits {
  maxBytes: number;
  timeoutMs: number;
}

/**
 * Fetch `url` (already checked by `clientIdUrlProblem`), or throw {@link MetadataDocumentError} saying why
 * not: a status other than 200 (a redirect included), too large, too slow, unreachable, refused address.
 */
export type DocumentFetch = (url: string, limits: FetchLimits) => Promise<FetchedDocument>;

/** Request headers of every document fetch. */
export const DOCUMENT_REQUEST_HEADERS: Readonly<Record<string, string>> = { accept: "application/json", "user-agent": "authbridge (client metadata)" };

/** The refusal for an answer other than 200. */
export function statusProblem(status: number): MetadataDocumentError {
  if (status >= 300 && status < 400) return new MetadataDocumentError("the metadata document URL redirects, and redirects are refused");
  return new MetadataDocumentError(`the metadata document URL answered ${status}`);
}

/**
 * The fetcher over a WHATWG `fetch` (Workers, tests).
 * @example const fetchDocument = webDocumentFetch(); await fetchDocument(url, { maxBytes: 5120, timeoutMs: 5000 });
 */
export function webDocumentFetch(fetchImpl: typeof fetch = (input, init) => fetch(input, init)): DocumentFetch {
  return async (url, { maxBytes, timeoutMs }) => {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const res = await fetchImpl(url, { headers: DOCUMENT_REQUEST_HEADERS, redirect: "manual", signal });
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => undefined);
        throw statusProblem(res.type === "opaqueredirect" ? 302 : res.status);
      }
      if (Number(res.headers.get("content-length") ?? "0") > maxBytes) {
        await res.body?.cancel().catch(() => undefined);
        throw tooLarge(maxBytes);
      }
      return { body: await readBounded(res.body, maxBytes), cacheControl: res.headers.get("cache-control") };
    } catch (err) {
      if (err instanceof MetadataDocumentError) throw err;
      if (signal.aborted) throw new MetadataDocumentError(`the metadata document did not arrive within ${timeoutMs} ms`);
      throw new MetadataDocumentError("the metadata document could not be fetched", { cause: err });
    }
  };
}

/** The refusal for a body over the bound. */
export function tooLarge(maxBytes: number): MetadataDocumentError {
  return new MetadataDocumentError(`the metadata document is larger than ${maxBytes} bytes`);
}

async function readBounded(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<string> {
  if (!body) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(concat(chunks, size));
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
