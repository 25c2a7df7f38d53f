/**
 * The caller's address for rate limiting. Forwarded headers are believed only when the operator said a
 * proxy is in front (AUTHBRIDGE_TRUST_PROXY); then the right-most X-Forwarded-For entry, the one our own
 * proxy appended, is used (entries to its left are whatever the client claimed).
 */
import type { Context } from "hono";
import type { Config } from "../config";

/**
 * Build the address function for a runtime; `direct` reads the connection's own peer address.
 * @example clientIpFor(config, (c) => c.req.header("cf-connecting-ip"))
 */
export function clientIpFor(config: Config, direct: (c: Context) => string | undefined): (c: Context) => string {
  return (c) => {
    if (config.trustProxy) {
      const xff = c.req.header("x-forwarded-for");
      const last = xff?.split(",").map((s) => s.trim()).filter(Boolean).at(-1);
      if (last) return last;
    }
    return direct(c) ?? "unknown";
  };
}
