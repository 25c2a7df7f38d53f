/**
 * Client ID Metadata Documents: the SSRF defences of the Node fetcher (addresses checked after DNS
 * resolution — private, loopback, link-local, CGNAT, multicast… — with the checked address the one
 * connected to, so a rebinding resolver is asked once; IP literals; redirects; oversized and slow
 * documents; untrusted certificates), the document's rules (client_id equals the URL, public only), the
 * cache (Cache-Control within bounds, failures remembered, refetch on a redirect-URI miss), the policy
 * (off / any / host list), and the whole flow through /authorize, consent and /token on both stores.
 *
 * The documents are served over real https on loopback with a throwaway CA; the test resolves the host
 * name itself (an injected resolver: no /etc/hosts, no network), and widens the address check only where it
 * says so.
 */
import type { LookupAddress } from "node:dns";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metadataDocumentResolver } from "../../../src/clients/metadata-clients";
import { clientIdUrlProblem } from "../../../src/clients/metadata-document";
import type { MetadataDocumentPolicy } from "../../../src/config";
import { nodeDocumentFetch } from "../../../src/runtime/node-document-fetch";
import { isPublicAddress } from "../../../src/runtime/public-address";
import { testCertificate } from "../../mcp/test-certificate";
import { claimsOf } from "../../support/oauth";
import { tempDir } from "../../support/temp";
import { CB, createHarness, MCP, startStores } from "./harness";

const HOST = "docs.authbridge.test";
const dir = tempDir("authbridge-cimd-");
const tls = testCertificate(dir.path, HOST);
const hits = new Map<string, number>();
let base = ""; // https://docs.authbridge.test:PORT
let server: https.Server;
let rebindServer: https.Server;
let rebindPort = 0;

const url = (path: string) => `${base}${path}`;
const doc = (path: string, extra: Record<string, unknown> = {}) => JSON.stringify({ client_id: url(path), client_name: "Doc App", redirect_uris: [CB], token_endpoint_auth_method: "none", ...extra });

function handler(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) {
  const path = req.url ?? "";
  hits.set(path, (hits.get(path) ?? 0) + 1);
  const json = (body: string, headers: Record<string, string> = {}) => res.writeHead(200, { "content-type": "application/json", ...headers }).end(body);
  if (path === "/good.json") return json(doc(path), { "cache-control": "public, max-age=120" });
  if (path === "/no-store.json") return json(doc(path), { "cache-control": "no-store" });
  if (path === "/long.json") return json(doc(path), { "cache-control": "max-age=999999999" });
  if (path === "/redirect.json") return res.writeHead(302, { location: url("/good.json") }).end();
  if (path === "/big.json") return json(doc(path, { client_uri: `https://${HOST}/${"x".repeat(6000)}` }));
  if (path === "/big-chunked.json") {
    res.writeHead(200, { "content-type": "application/json" }); // no content-length: chunked
    for (let i = 0; i < 8; i++) res.write("x".repeat(1024));
    return res.end();
  }
  if (path === "/slow.json") return void setTimeout(() => json(doc(path)), 3000);
  if (path === "/slow-body.json") {
    res.writeHead(200, { "content-type": "application/json" });
    res.write('{"client_id":');
    return void setTimeout(() => res.end(`"${url(path)}"}`), 3000);
  }
  if (path === "/mismatch.json") return json(doc(path, { client_id: url("/other.json") }));
  if (path === "/secret.json") return json(doc(path, { client_secret: "s3cret" }));
  if (path === "/confidential.json") return json(doc(path, { token_endpoint_auth_method: "client_secret_basic" }));
  if (path === "/bad-redirect.json") return json(doc(path, { redirect_uris: ["http://app.example.com/cb"] }));
  if (path === "/not-json.json") return json("<html>");
  if (path.startsWith("/flow-")) return json(doc(path, { redirect_uris: [CB], client_name: "Flow App" }), { "cache-control": "max-age=300" });
  res.writeHead(404).end();
}

function listen(s: https.Server, host: string): Promise<number> {
  return new Promise((resolve) => s.listen(0, host, () => resolve((s.address() as AddressInfo).port)));
}

beforeAll(async () => {
  server = https.createServer({ key: tls.key, cert: tls.cert }, handler);
  base = `https://${HOST}:${await listen(server, "127.0.0.1")}`;
  rebindServer = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    hits.set(`rebind${req.url}`, (hits.get(`rebind${req.url}`) ?? 0) + 1);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ client_id: `https://${HOST}:${rebindPort}${req.url}`, redirect_uris: [CB] }));
  });
  rebindPort = await listen(rebindServer, "127.0.0.2");
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await new Promise((r) => rebindServer.close(r));
  dir.remove();
});

const to = (address: string): LookupAddress[] => [{ address, family: address.includes(":") ? 6 : 4 }];
const LIMITS = { maxBytes: 5 * 1024, timeoutMs: 1000 };
/** The fetcher as production builds it, but resolving our test host to `addresses`. */
const fetchVia = (addresses: LookupAddress[], extra: Parameters<typeof nodeDocumentFetch>[0] = {}) => nodeDocumentFetch({ resolve: async () => addresses, ca: tls.caPem, ...extra });
/** The same, allowed to reach this machine's test server (only the tests that say so). */
const loopbackAllowed = nodeDocumentFetch({ resolve: async () => to("127.0.0.1"), ca: tls.caPem, isAllowedAddress: (a) => a === "127.0.0.1" });

describe("the Node fetcher's address checks (after DNS resolution)", () => {
  it("refuses private, loopback, link-local, CGNAT, multicast and reserved addresses, IPv4 and IPv6", () => {
    const refused = [
      "127.0.0.1", "127.1.2.3", "0.0.0.0", "10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.1", "100.64.0.1", "100.127.255.254",
      "169.254.169.254", "192.0.0.8", "192.0.2.1", "198.18.0.1", "198.51.100.1", "203.0.113.1", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
      "::", "::1", "fd00::1", "fc00::1", "fe80::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1", "2001:db8::1", "2001::1", "not-an-ip",
    ];
    for (const a of refused) expect(isPublicAddress(a), a).toBe(false);
    for (const a of ["93.184.215.14", "8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "2a00:1450:4001::200e"]) expect(isPublicAddress(a), a).toBe(true);
  });

  it("a host name resolving to 127.0.0.1 is refused before any connection (the server is never reached)", async () => {
    const before = hits.get("/good.json") ?? 0;
    await expect(fetchVia(to("127.0.0.1"))(url("/good.json"), LIMITS)).rejects.toThrow(/private, loopback or reserved address/);
    expect(hits.get("/good.json") ?? 0).toBe(before);
    // The same request, with the check widened for this test only, does reach it: the address check refused it.
    await expect(loopbackAllowed(url("/good.json"), LIMITS)).resolves.toMatchObject({ cacheControl: "public, max-age=120" });
    expect(hits.get("/good.json")).toBe(before + 1);
  });

  it("refuses every private answer, and an answer mixing a public address with a private one", async () => {
    for (const a of ["10.0.0.1", "169.254.169.254", "100.64.0.1", "::1", "fd00::1", "fe80::1", "::ffff:127.0.0.1", "224.0.0.1"])
      await expect(fetchVia(to(a))(url("/good.json"), LIMITS), a).rejects.toThrow(/private, loopback or reserved/);
    await expect(fetchVia([...to("93.184.215.14"), ...to("127.0.0.1")])(url("/good.json"), LIMITS)).rejects.toThrow(/private, loopback or reserved/);
    await expect(fetchVia([])(url("/good.json"), LIMITS)).rejects.toThrow(/does not resolve/);
  });

  it("DNS rebinding has nothing to swap: the host is resolved once and the checked address is the one connected to", async () => {
    let calls = 0;
    // First answer: an address this test allows; any later answer would be loopback.
    const rebinding = nodeDocumentFetch({
      resolve: async () => (calls++ === 0 ? to("127.0.0.2") : to("127.0.0.1")),
      isAllowedAddress: (a) => a === "127.0.0.2",
      ca: tls.caPem,
    });
    const got = await rebinding(`https://${HOST}:${rebindPort}/rebind.json`, LIMITS);
    expect(JSON.parse(got.body)).toMatchObject({ redirect_uris: [CB] });
    expect(calls).toBe(1);
    expect(hits.get("rebind/rebind.json")).toBe(1);
  });

  it("IP literals are refused without a connection; so is a certificate nobody trusts", async () => {
    const port = new URL(base).port;
    await expect(nodeDocumentFetch()(`https://127.0.0.1:${port}/good.json`, LIMITS)).rejects.toThrow(/refused address/);
    await expect(nodeDocumentFetch()(`https://[::1]:${port}/good.json`, LIMITS)).rejects.toThrow(/refused address/);
    const untrusted = nodeDocumentFetch({ resolve: async () => to("127.0.0.1"), isAllowedAddress: () => true });
    await expect(untrusted(url("/good.json"), LIMITS)).rejects.toThrow(/could not be fetched/);
  });

  it("redirects are refused and never followed", async () => {
    const before = hits.get("/good.json") ?? 0;
    await expect(loopbackAllowed(url("/redirect.json"), LIMITS)).rejects.toThrow(/redirects are refused/);
    expect(hits.get("/good.json") ?? 0).toBe(before);
    await expect(loopbackAllowed(url("/missing.json"), LIMITS)).rejects.toThrow(/answered 404/);
  });

  it("oversized documents are refused, declared or chunked", async () => {
    await expect(loopbackAllowed(url("/big.json"), LIMITS)).rejects.toThrow(/larger than 5120 bytes/);
    await expect(loopbackAllowed(url("/big-chunked.json"), LIMITS)).rejects.toThrow(/larger than 5120 bytes/);
  });

  it("slow documents are given up at the deadline, slow headers or a slow body", async () => {
    for (const path of ["/slow.json", "/slow-body.json"]) {
      const started = Date.now();
      await expect(loopbackAllowed(url(path), { maxBytes: 5120, timeoutMs: 300 })).rejects.toThrow(/did not arrive within 300 ms/);
      expect(Date.now() - started).toBeLessThan(1500);
    }
  });
});

describe("the document and the cache", () => {
  const ANY: MetadataDocumentPolicy = { mode: "any" };
  const make = (policy: MetadataDocumentPolicy = ANY) => {
    let now = 1_000_000;
    const resolver = metadataDocumentResolver({ policy, fetch: loopbackAllowed, now: () => now });
    return { resolver, advance: (ms: number) => (now += ms) };
  };

  it("refuses a document whose client_id differs, one with a secret, a confidential one, bad redirect URIs, not JSON", async () => {
    const { resolver } = make();
    const reason = async (path: string) => {
      const r = await resolver.resolve(url(path));
      return r.ok ? "accepted" : r.reason;
    };
    expect(await reason("/mismatch.json")).toMatch(/client_id is not the URL it was fetched from/);
    expect(await reason("/secret.json")).toMatch(/must not contain a client_secret/);
    expect(await reason("/confidential.json")).toMatch(/only public clients/);
    expect(await reason("/bad-redirect.json")).toMatch(/redirect URIs must be https/);
    expect(await reason("/not-json.json")).toMatch(/not JSON/);
    const good = await resolver.resolve(url("/good.json"));
    expect(good).toMatchObject({ ok: true, client: { id: url("/good.json"), name: "Doc App", isPublic: true, origin: "metadata-document", redirectUris: [CB], secretHash: null } });
  });

  it("client_id URLs are checked before anything is fetched", () => {
    for (const bad of [
      "http://docs.example.com/c.json",
      "https://docs.example.com",
      "https://docs.example.com/",
      "https://docs.example.com/c.json?x=1",
      "https://docs.example.com/c.json#f",
      "https://Docs.example.com/c.json",
      "https://docs.example.com/a/../c.json",
      "https://u:p@docs.example.com/c.json",
      "https://127.0.0.1/c.json",
      "https://[::1]/c.json",
      "https://localhost/c.json",
      "https://intranet/c.json",
      "https://x.localhost/c.json",
    ])
      expect(clientIdUrlProblem(bad), bad).toBeDefined();
    expect(clientIdUrlProblem("https://docs.example.com:8443/clients/c.json")).toBeUndefined();
  });

  it("honours max-age within bounds, keeps failures 30 s, and refetches on a redirect-URI miss", async () => {
    const { resolver, advance } = make();
    const count = (path: string) => hits.get(path) ?? 0;
    const good = url("/good.json");
    const start = count("/good.json");
    await resolver.resolve(good);
    await resolver.resolve(good);
    expect(count("/good.json")).toBe(start + 1);
    advance(119_000);
    await resolver.resolve(good);
    expect(count("/good.json")).toBe(start + 1);
    advance(2_000); // max-age=120 is over
    await resolver.resolve(good);
    expect(count("/good.json")).toBe(start + 2);
    // A redirect URI the cached copy lacks: fetched again, but not more than every 10 s.
    const missing = (c: { redirectUris: string[] }) => c.redirectUris.includes("https://new.example.com/cb");
    await resolver.resolve(good, { refetchUnless: missing });
    expect(count("/good.json")).toBe(start + 2);
    advance(10_000);
    await resolver.resolve(good, { refetchUnless: missing });
    expect(count("/good.json")).toBe(start + 3);
    // no-store still keeps it a minute (the floor); a huge max-age at most a day.
    const noStore = url("/no-store.json");
    await resolver.resolve(noStore);
    advance(59_000);
    await resolver.resolve(noStore);
    expect(count("/no-store.json")).toBe(1);
    advance(2_000);
    await resolver.resolve(noStore);
    expect(count("/no-store.json")).toBe(2);
    await resolver.resolve(url("/long.json"));
    advance(24 * 3600_000 + 1000);
    await resolver.resolve(url("/long.json"));
    expect(count("/long.json")).toBe(2);
    // Failures are remembered for 30 s: a burst costs one fetch.
    const before = count("/mismatch.json");
    await Promise.all(Array.from({ length: 20 }, () => resolver.resolve(url("/mismatch.json"))));
    expect(count("/mismatch.json")).toBe(before + 1);
    advance(31_000);
    await resolver.resolve(url("/mismatch.json"));
    expect(count("/mismatch.json")).toBe(before + 2);
  });

  it("policy: off fetches nothing; a host list only its hosts; any everything", async () => {
    const before = hits.get("/good.json") ?? 0;
    const off = await make({ mode: "off" }).resolver.resolve(url("/good.json"));
    const elsewhere = await make({ mode: "hosts", hosts: ["tools.example.com"] }).resolver.resolve(url("/good.json"));
    expect(off).toMatchObject({ ok: false, reason: expect.stringMatching(/does not accept/) });
    expect(elsewhere).toMatchObject({ ok: false, reason: expect.stringMatching(/does not accept/) });
    expect(hits.get("/good.json") ?? 0).toBe(before);
    expect((await make({ mode: "hosts", hosts: [HOST] }).resolver.resolve(url("/good.json"))).ok).toBe(true);
    expect((await make(ANY).resolver.resolve(url("/good.json"))).ok).toBe(true);
  });
});

describe("metadata-document clients at the endpoints", () => {
  let stores: Awaited<ReturnType<typeof startStores>>;
  beforeAll(async () => {
    stores = await startStores();
  });
  afterAll(async () => {
    await stores?.stop();
  });
  const hooks = { metadataDocumentFetch: loopbackAllowed };

  it("off (the default): not advertised, and a URL client_id is an unknown application", async () => {
    const h = await createHarness("embedded", undefined, { hooks });
    const meta = (await (await h.t.app.request("/.well-known/oauth-authorization-server")).json()) as Record<string, unknown>;
    expect(meta).not.toHaveProperty("client_id_metadata_document_supported");
    const b = await h.signIn("off-person");
    const before = hits.get("/flow-off.json") ?? 0;
    const out = await h.authorize(b, url("/flow-off.json"));
    expect(out.kind === "page" && out.status === 400 && out.html.includes("Unknown application")).toBe(true);
    expect(hits.get("/flow-off.json") ?? 0).toBe(before);
    h.close();
  });

  it("a host outside the list is refused with the reason; a refused document is explained on the page", async () => {
    const h = await createHarness("embedded", undefined, { hooks, env: { AUTHBRIDGE_CIMD: "tools.example.com" } });
    expect(await (await h.t.app.request("/.well-known/oauth-authorization-server")).json()).toMatchObject({ client_id_metadata_document_supported: true });
    const b = await h.signIn("list-person");
    const out = await h.authorize(b, url("/flow-list.json"));
    expect(out.kind === "page" && out.html.includes("does not accept client metadata documents from that host")).toBe(true);
    h.close();
    const any = await createHarness("embedded", undefined, { hooks, env: { AUTHBRIDGE_CIMD: "any" } });
    const mismatch = await any.authorize(await any.signIn("mismatch-person"), url("/mismatch.json"));
    expect(mismatch.kind === "page" && mismatch.status === 400 && mismatch.html.includes("client_id is not the URL it was fetched from")).toBe(true);
    any.close();
  });

  for (const store of ["embedded", "upstash"] as const) {
    it(`the whole flow (${store} store): consent naming where the document lives, tokens, refresh, introspection`, async () => {
      const h = await createHarness(store, stores.bridge, { hooks, env: { AUTHBRIDGE_CIMD: HOST } });
      const clientId = url(`/flow-${store}.json`);
      const b = await h.signIn(`cimd-${store}`);
      const out = await h.authorize(b, clientId);
      if (out.kind !== "consent") throw new Error(`expected the consent screen, got ${out.kind}`);
      expect(out.html).toContain("Flow App");
      expect(out.html).toContain(new URL(base).host);
      const tokens = await h.tokensFor(b, clientId);
      expect(claimsOf(tokens.access_token)).toMatchObject({ client_id: clientId, aud: MCP, scope: "notes:read notes:write" });
      expect((await h.introspect(tokens.access_token)).active).toBe(true);
      const r = await h.refresh(clientId, tokens.refresh_token!);
      expect(r.status).toBe(200);
      // The document was fetched once for all of it (cached by its max-age).
      expect(hits.get(`/flow-${store}.json`)).toBe(1);
      // A registered redirect URI only: another is refused on a page, never redirected to.
      const bad = await h.authorize(b, clientId, { redirect_uri: "https://evil.example.com/cb" });
      expect(bad.kind === "page" && bad.status === 400).toBe(true);
      h.close();
    });
  }
});
