/**
 * The loopback host names, written once: a localhost issuer (dev conveniences allowed), http redirect
 * URIs and JWKS/introspection URLs that never leave the machine, and the listen address the dev login
 * is confined to.
 */

/** Loopback hosts as `URL#hostname` spells them (IPv6 in brackets). */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * True for a loopback host: a URL's `hostname` (`[::1]`) or a bare listen address (`::1`).
 * @example isLoopbackHost(new URL("http://127.0.0.1:9999/cb").hostname) // true
 */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || hostname === "::1";
}
