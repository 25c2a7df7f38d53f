/**
 * Node only: the metadata-document fetcher (see clients/document-fetch.ts). The host is resolved by us, in
 * the socket's `lookup` hook: every address it resolves to must be public ({@link isPublicAddress}), or
 * nothing is fetched; the socket then connects to the address just checked, so a DNS answer that changes
 * between a check and the connection (rebinding) has nothing to swap. TLS still verifies the certificate
 * against the host name. No redirects are followed (Node's https never does), the body is cut off past the
 * bound, and the whole exchange has one deadline.
 */
import type { LookupAddress } from "node:dns";
import { lookup as dnsLookup } from "node:dns/promises";
import { request } from "node:https";
import { isIP } from "node:net";
import { DOCUMENT_REQUEST_HEADERS, statusProblem, tooLarge, type DocumentFetch } from "../clients/document-fetch";
import { MetadataDocumentError } from "../clients/metadata-document";
import { isPublicAddress } from "./public-address";

/** Options of {@link nodeDocumentFetch}; the defaults are production's. */
export interface NodeDocumentFetchOptions {
  /** Resolves a host name to every address (default: the system resolver, `dns.lookup` with `all`). */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
  /**
   * Which resolved addresses may be connected to (default {@link isPublicAddress}). Tests that serve a
   * document on this machine widen it; nothing else should.
   */
  isAllowedAddress?: (address: string) => boolean;
  /** Extra trusted CA certificates in PEM (tests' own certificate authority); default: the system's. */
  ca?: string | string[];
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The fetcher for Node.
 * @example const fetchDocument = nodeDocumentFetch(); await fetchDocument("https://app.example.com/client.json", { maxBytes: 5120, timeoutMs: 5000 });
 */
export function nodeDocumentFetch(opts: NodeDocumentFetchOptions = {}): DocumentFetch {
  const resolve = opts.resolve ?? ((hostname: string) => dnsLookup(hostname, { all: true, verbatim: true }));
  const allowed = opts.isAllowedAddress ?? isPublicAddress;

  // The socket's lookup: resolve, refuse unless every address is allowed, hand over the checked ones.
  const checkedLookup = (hostname: string, options: { all?: boolean }, callback: LookupCallback) => {
    resolve(hostname).then(
      (addresses) => {
        if (addresses.length === 0) return callback(new MetadataDocumentError(`${hostname} does not resolve`), []);
        if (addresses.some((a) => !allowed(a.address)))
          return callback(new MetadataDocumentError(`${hostname} resolves to a private, loopback or reserved address, which is refused`), []);
        if (options.all) return callback(null, addresses);
        return callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: unknown) => callback(new MetadataDocumentError(`${hostname} does not resolve`, { cause: err }), []),
    );
  };

  return (url, { maxBytes, timeoutMs }) =>
    new Promise((resolvePromise, reject) => {
      const u = new URL(url);
      // An IP literal never reaches the lookup hook: check it here (the URL rules refuse them already).
      const literal = u.hostname.replace(/^\[|\]$/g, "");
      if (isIP(literal) !== 0 && !allowed(literal)) return reject(new MetadataDocumentError("the metadata document URL names a refused address"));
      let settled = false;
      const fail = (err: MetadataDocumentError) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        req.destroy();
        reject(err);
      };
      const req = request({
        protocol: "https:",
        hostname: literal,
        port: u.port || 443,
        path: u.pathname,
        method: "GET",
        headers: DOCUMENT_REQUEST_HEADERS,
        lookup: checkedLookup as never,
        // A fresh connection each time: a pooled socket could have been opened to another address.
        agent: false,
        servername: isIP(literal) === 0 ? literal : undefined,
        ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
      });
      const deadline = setTimeout(() => fail(new MetadataDocumentError(`the metadata document did not arrive within ${timeoutMs} ms`)), timeoutMs);
      req.on("error", (err) => fail(err instanceof MetadataDocumentError ? err : new MetadataDocumentError("the metadata document could not be fetched", { cause: err })));
      req.on("response", (res) => {
        if (res.statusCode !== 200) return fail(statusProblem(res.statusCode ?? 0));
        if (Number(res.headers["content-length"] ?? "0") > maxBytes) return fail(tooLarge(maxBytes));
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.byteLength;
          if (size > maxBytes) return fail(tooLarge(maxBytes));
          chunks.push(chunk);
        });
        res.on("error", (err) => fail(new MetadataDocumentError("the metadata document could not be read", { cause: err })));
        res.on("end", () => {
          if (settled) return;
          settled = true;
          clearTimeout(deadline);
          const cacheControl = res.headers["cache-control"];
          resolvePromise({ body: Buffer.concat(chunks, size).toString("utf8"), cacheControl: typeof cacheControl === "string" ? cacheControl : null });
        });
      });
      req.end();
    });
}
