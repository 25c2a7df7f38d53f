/**
 * Metadata-document clients as the server sees them: policy and URL checked, the document fetched (through
 * the runtime's {@link DocumentFetch}), validated and kept in this process's cache.
 *
 * Caching: a document is kept as long as its Cache-Control `max-age` says, within [1 minute, 1 day]
 * (5 minutes when it says nothing; `no-store`/`no-cache` count as the minimum — a floor, so that a client
 * cannot make every token request of its users an outbound fetch). A failure is remembered for 30 s, so a
 * burst of requests naming a broken or hostile URL costs one fetch. Concurrent look-ups of one URL share
 * one fetch. A "miss" — a redirect URI the cached copy does not list — refetches the document (at most
 * every 10 s), so a client that just added one is not refused for the rest of the cache period.
 */
import type { MetadataDocumentPolicy } from "../config";
import type { Logger } from "../lib/log";
import type { DocumentFetch } from "./document-fetch";
import { clientIdUrlProblem, documentClient, MAX_DOCUMENT_BYTES, MetadataDocumentError, parseMetadataDocument, policyAllows } from "./metadata-document";
import type { Client } from "./registry";

const MIN_TTL_MS = 60_000;
const DEFAULT_TTL_MS = 5 * 60_000;
const MAX_TTL_MS = 24 * 3600_000;
const FAILURE_TTL_MS = 30_000;
const REFETCH_AFTER_MS = 10_000;
const MAX_ENTRIES = 1000;
/** Deadline of one fetch (ms). */
export const DOCUMENT_TIMEOUT_MS = 5000;

/** A look-up's outcome: the client, or why there is none (in words fit for the person at /authorize). */
export type ResolvedDocument = { ok: true; client: Client } | { ok: false; reason: string };

/** Resolves `client_id` URLs. */
export interface MetadataDocumentResolver {
  /**
   * The client behind a `client_id` URL. `refetchUnless`: when the cached client fails this test (a
   * redirect URI it does not list), the document is fetched again (see the module's note).
   */
  resolve(clientId: string, opts?: { refetchUnless?: (client: Client) => boolean }): Promise<ResolvedDocument>;
}

/** Options of {@link metadataDocumentResolver}. */
export interface ResolverOptions {
  policy: MetadataDocumentPolicy;
  fetch: DocumentFetch;
  now: () => number;
  logger?: Logger | undefined;
  /** Per-fetch deadline (ms), default {@link DOCUMENT_TIMEOUT_MS}. */
  timeoutMs?: number;
}

interface Entry {
  result: ResolvedDocument;
  fetchedAt: number;
  until: number;
}

/**
 * How long to keep a document, from its Cache-Control header, within the bounds.
 * @example keepFor("public, max-age=600") // 600000
 */
export function keepFor(cacheControl: string | null): number {
  const directives = (cacheControl ?? "").toLowerCase().split(",").map((d) => d.trim());
  if (directives.includes("no-store") || directives.includes("no-cache")) return MIN_TTL_MS;
  const maxAge = directives.map((d) => /^max-age=(\d+)$/.exec(d)?.[1]).find((v) => v !== undefined);
  const ms = maxAge === undefined ? DEFAULT_TTL_MS : Number(maxAge) * 1000;
  return Math.min(MAX_TTL_MS, Math.max(MIN_TTL_MS, ms));
}

/**
 * The resolver of one app (its cache lives as long as it does).
 * @example const documents = metadataDocumentResolver({ policy: config.metadataDocuments, fetch: nodeDocumentFetch(), now: Date.now });
 */
export function metadataDocumentResolver(opts: ResolverOptions): MetadataDocumentResolver {
  const cache = new Map<string, Entry>();
  const inflight = new Map<string, Promise<Entry>>();
  const timeoutMs = opts.timeoutMs ?? DOCUMENT_TIMEOUT_MS;

  async function load(clientId: string): Promise<Entry> {
    const fetchedAt = opts.now();
    try {
      const fetched = await opts.fetch(clientId, { maxBytes: MAX_DOCUMENT_BYTES, timeoutMs });
      const doc = parseMetadataDocument(clientId, fetched.body);
      return { result: { ok: true, client: documentClient(clientId, doc, fetchedAt) }, fetchedAt, until: fetchedAt + keepFor(fetched.cacheControl) };
    } catch (err) {
      if (!(err instanceof MetadataDocumentError)) throw err;
      opts.logger?.info("client metadata document refused", { client_id: clientId, reason: err.message });
      return { result: { ok: false, reason: err.message }, fetchedAt, until: fetchedAt + FAILURE_TTL_MS };
    }
  }

  function fetchOnce(clientId: string): Promise<Entry> {
    let pending = inflight.get(clientId);
    if (!pending) {
      pending = load(clientId).finally(() => inflight.delete(clientId));
      inflight.set(clientId, pending);
    }
    return pending.then((entry) => {
      if (cache.size >= MAX_ENTRIES && !cache.has(clientId)) cache.delete(cache.keys().next().value!);
      cache.set(clientId, entry);
      return entry;
    });
  }

  return {
    async resolve(clientId, resolveOpts = {}) {
      if (!policyAllows(opts.policy, clientId)) return { ok: false, reason: "this server does not accept client metadata documents from that host" };
      const problem = clientIdUrlProblem(clientId);
      if (problem) return { ok: false, reason: problem };
      const now = opts.now();
      const cached = cache.get(clientId);
      if (cached && cached.until > now) {
        const stale = cached.result.ok && resolveOpts.refetchUnless !== undefined && !resolveOpts.refetchUnless(cached.result.client);
        if (!stale || now - cached.fetchedAt < REFETCH_AFTER_MS) return cached.result;
      }
      return (await fetchOnce(clientId)).result;
    },
  };
}
