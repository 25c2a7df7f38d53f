/**
 * The one client look-up of the app (`AppDeps.findClient`): ids that are https URLs go to the metadata
 * document resolver (when the policy admits any), every other id to the registry — where a dynamically
 * registered client that went unused for too long no longer exists, whether or not its row was swept yet.
 */
import { isExpiredDynamicClient } from "./dynamic";
import type { MetadataDocumentResolver } from "./metadata-clients";
import { isMetadataDocumentId } from "./metadata-document";
import type { Client } from "./registry";

/** Options of {@link clientLookup}. */
export interface ClientLookupOptions {
  /** One registered client by id. */
  byId: (id: string) => Promise<Client | undefined>;
  /** Resolver of `client_id` URLs; undefined when AUTHBRIDGE_CIMD is off. */
  documents: MetadataDocumentResolver | undefined;
  now: () => number;
}

/**
 * Build the look-up.
 * @example const findClient = clientLookup({ byId: (id) => findClient(db, id), documents, now: Date.now });
 */
export function clientLookup(opts: ClientLookupOptions): (id: string) => Promise<Client | undefined> {
  return async (id) => {
    if (isMetadataDocumentId(id)) {
      if (!opts.documents) return undefined;
      const resolved = await opts.documents.resolve(id);
      return resolved.ok ? resolved.client : undefined;
    }
    const client = await opts.byId(id);
    return client && isExpiredDynamicClient(client, opts.now()) ? undefined : client;
  };
}
