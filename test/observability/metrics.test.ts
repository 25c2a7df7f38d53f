/**
 * The request log and the Prometheus endpoint: one line per request naming the route pattern (never the
 * path's values or the query), and `/metrics` only behind its bearer token.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { createApp } from "../../src/app";
import { createClient } from "../../src/clients/registry";
import { postForm } from "../support/oauth";
import { METRICS_TOKEN, observedApp, sample, type ObservedApp } from "./support";

let o: ObservedApp;
beforeAll(async () => {
  o = await observedApp();
});
afterAll(() => o?.t.close());

describe("request log", () => {
  it("one line per request: method, route pattern, status, duration, and the client once it authenticated", async () => {
    o.lines.length = 0;
    expect((await o.app.request("/healthz?state=abc123")).status).toBe(200);
    const { client, secret } = await createClient(o.t.deps.db, { name: "svc", scopes: ["a"] });
    expect((await postForm(o.app, "/token", { grant_type: "client_credentials" }, { id: client.id, secret: secret! })).status).toBe(200);
    expect((await postForm(o.app, "/token", { grant_type: "client_credentials" }, { id: client.id, secret: "wrong" })).status).toBe(401);
    expect((await o.app.request("/account/sessions/ses_123/revoke", { method: "POST" })).status).toBeGreaterThanOrEqual(400);
    const recs = o.records().filter((r) => r.msg === "request");
    expect(recs).toHaveLength(4);
    expect(recs[0]).toMatchObject({ level: "info", method: "GET", route: "/healthz", status: 200 });
    expect(recs[0]!.ms).toEqual(expect.any(Number));
    expect(recs[0]!.time).toEqual(expect.any(String));
    expect(recs[1]).toMatchObject({ method: "POST", route: "/token", status: 200, client_id: client.id });
    // A failed authentication names no client: the id in its header is only a claim.
    expect(recs[2]).toMatchObject({ route: "/token", status: 401 });
    expect(recs[2]).not.toHaveProperty("client_id");
    expect(recs[3]!.route).toBe("/account/sessions/:sid/revoke");
    expect(o.lines.join("\n")).not.toMatch(/abc123|ses_123|wrong|\?/);
    expect(o.lines.join("\n")).not.toContain(secret!);
  });

  it("names the client at /token, /revoke and /introspect however it authenticated, public clients too", async () => {
    // An app of its own: the metrics test below counts the shared app's /token requests.
    const o = await observedApp();
    onTestFinished(() => o.t.close());
    const pub = await createClient(o.t.deps.db, { name: "spa", isPublic: true, redirectUris: ["https://spa.example.com/cb"] });
    const rs = await createClient(o.t.deps.db, { name: "rs", scopes: ["a"] });
    const post = { client_id: rs.client.id, client_secret: rs.secret! };
    // A public client identifies itself by client_id alone; its refused grant still names it.
    expect((await postForm(o.app, "/token", { grant_type: "refresh_token", refresh_token: "nope", client_id: pub.client.id })).status).toBe(400);
    expect((await postForm(o.app, "/revoke", { token: "nope", ...post })).status).toBe(200);
    expect((await postForm(o.app, "/introspect", { token: "nope", ...post })).status).toBe(200);
    const recs = o.records().filter((r) => r.msg === "request");
    expect(recs.map((r) => [r.route, r.client_id])).toEqual([
      ["/token", pub.client.id],
      ["/revoke", rs.client.id],
      ["/introspect", rs.client.id],
    ]);
    expect(o.lines.join("\n")).not.toContain(rs.secret!);
  });

  it("a rate-limit refusal is logged at warn and counted", async () => {
    const o2 = await observedApp({ env: { RATE_LIMIT_PER_MINUTE: "2" } });
    try {
      for (let i = 0; i < 3; i++) await postForm(o2.app, "/token", { grant_type: "client_credentials" });
      const refused = o2.records().filter((r) => r.status === 429);
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatchObject({ level: "warn", route: "/token" });
      expect(sample(await o2.scrape(), 'authbridge_rate_limited_total{route="/token"}')).toBe(1);
    } finally {
      o2.t.close();
    }
  });
});

describe("GET /metrics", () => {
  it("is 404 without METRICS_TOKEN", async () => {
    const plain = createApp(o.t.deps);
    expect((await plain.request("/metrics")).status).toBe(404);
    expect((await plain.request("/metrics", { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(404);
  });

  it("wants the bearer token", async () => {
    for (const auth of [undefined, "Bearer nope", `Basic ${btoa(`x:${METRICS_TOKEN}`)}`, `Bearer ${METRICS_TOKEN}x`]) {
      const res = await o.app.request("/metrics", auth ? { headers: { Authorization: auth } } : {});
      expect(res.status, String(auth)).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
  });

  it("serves Prometheus text: requests by route and status, tokens by grant, store and database latency", async () => {
    const { client, secret } = await createClient(o.t.deps.db, { name: "svc2", scopes: ["a"] });
    await postForm(o.app, "/token", { grant_type: "client_credentials" }, { id: client.id, secret: secret! });
    const res = await o.app.request("/metrics", { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain("# TYPE authbridge_http_requests_total counter");
    expect(sample(text, 'authbridge_http_requests_total{method="GET",route="/healthz",status="200"}')).toBe(1);
    expect(sample(text, 'authbridge_http_requests_total{method="POST",route="/token",status="200"}')).toBe(2);
    expect(sample(text, 'authbridge_tokens_issued_total{grant="client_credentials"}')).toBe(2);
    expect(sample(text, "authbridge_refresh_reuse_detected_total")).toBe(0);
    expect(sample(text, 'authbridge_http_request_duration_seconds_count{route="/token"}')).toBe(3);
    expect(sample(text, 'authbridge_http_request_duration_seconds_bucket{route="/token",le="+Inf"}')).toBe(3);
    expect(sample(text, 'authbridge_database_operations_total{op="execute",result="ok"}')).toBeGreaterThan(0);
    expect(text).toMatch(/^authbridge_database_duration_seconds_sum\{op="execute"\} \d/m);
    expect(text).toMatch(/^authbridge_store_operations_total\{op="\w+",result="ok"\} \d+$/m);
    // Every sample line is `name{labels} number`.
    for (const line of text.split("\n").filter((l) => l && !l.startsWith("#"))) expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? -?[\d.e+-]+$/);
  });
});
