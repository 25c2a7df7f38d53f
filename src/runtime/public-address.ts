/**
 * Node only: whether an IP address is on the public Internet, for outbound fetches a stranger can point
 * us at (metadata documents). Refused: this host (0/8, 127/8, ::, ::1), private networks (10/8,
 * 172.16/12, 192.168/16, fc00::/7), CGNAT (100.64/10), link-local (169.254/16 — cloud metadata services —
 * and fe80::/10), multicast and reserved space (224/4, 240/4, ff00::/8), documentation and benchmarking
 * ranges, and for IPv6 everything outside global unicast 2000::/3 (which covers IPv4-mapped and NAT64
 * addresses) along with the 2001::/23 special block and 6to4 (2002::/16), which embeds any IPv4 address.
 */
import { BlockList, isIP } from "node:net";

const V4: readonly [string, number][] = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
];

const V6: readonly [string, number][] = [
  // The complement of 2000::/3: unspecified, loopback, IPv4-mapped, NAT64, unique-local, link-local, multicast…
  ["::", 3],
  ["4000::", 2],
  ["8000::", 1],
  // Inside 2000::/3 but not the public Internet's.
  ["2001::", 23],
  ["2001:db8::", 32],
  ["2002::", 16],
  ["3fff::", 20],
];

// Two lists, each asked only about its own family: a BlockList matches IPv4 addresses against IPv6 rules
// through their IPv4-mapped form, so one list holding ::/3 would refuse every IPv4 address.
const blockedV4 = new BlockList();
for (const [net, prefix] of V4) blockedV4.addSubnet(net, prefix, "ipv4");
const blockedV6 = new BlockList();
for (const [net, prefix] of V6) blockedV6.addSubnet(net, prefix, "ipv6");

/**
 * True only for a syntactically valid IP address outside every refused range.
 * @example isPublicAddress("127.0.0.1") // false
 * @example isPublicAddress("93.184.215.14") // true
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return family === 4 ? !blockedV4.check(address, "ipv4") : !blockedV6.check(address, "ipv6");
}
