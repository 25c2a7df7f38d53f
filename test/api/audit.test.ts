/**
 * The audit log through the management API: newest first, filtered by type, account, client (as subject or
 * actor) and time, a page at a time by id, at most 200 per page.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { recordAudit } from "../../src/audit";
import { claimsOf } from "../support/oauth";
import { createHarness, startStores, type Harness, type Stores } from "./harness";

let stores: Stores;
let h: Harness;
let op: string;
let dev: string;
let app: string;
const T0 = Date.parse("2030-01-01T00:00:00Z");

beforeAll(async () => {
  stores = await startStores();
  h = await createHarness("embedded", stores.bridge);
  op = await h.operatorToken();
  const person = await h.personToken(await h.signIn("audited", ["devs"]));
  dev = claimsOf(person.access_token).sub as string;
  app = ((await (await h.call(person.access_token, "POST", "/api/v1/clients", { name: "audited app", redirect_uris: ["https://a.example.com/cb"] })).json()) as { client_id: string }).client_id;
  expect((await h.call(person.access_token, "PATCH", `/api/v1/clients/${app}`, { name: "renamed" })).status).toBe(200);
  expect((await h.call(op, "POST", `/api/v1/accounts/${dev}/block`)).status).toBe(200);
  // Events at known times, for the time filters.
  for (let i = 0; i < 3; i++) await recordAudit(h.t.deps.db, { type: "token.revoked", actor: "client_timed", subject: "acct_timed", detail: { n: i } }, T0 + i * 60_000);
});
afterAll(async () => {
  h?.close();
  await stores?.stop();
});

interface Entry {
  id: number;
  at: string;
  type: string;
  actor: string | null;
  subject: string | null;
  detail: Record<string, unknown>;
}
const list = async (query: string) => {
  const res = await h.call(op, "GET", `/api/v1/audit${query}`);
  const body = (await res.json()) as { items: Entry[]; next?: string };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
};

it("newest first, each with its actor", async () => {
  const { items } = await list("");
  expect(items.map((e) => e.id)).toEqual([...items.map((e) => e.id)].sort((a, b) => b - a));
  const blocked = items.find((e) => e.type === "account.blocked");
  expect(blocked).toMatchObject({ actor: h.operator.id, subject: dev });
});

it("filter by type", async () => {
  const { items } = await list("?type=account.blocked");
  expect(items.map((e) => [e.type, e.subject])).toEqual([["account.blocked", dev]]);
  expect((await h.call(op, "GET", "/api/v1/audit?type=DROP%20TABLE")).status).toBe(400);
});

it("filter by account: what was done to it and what it did", async () => {
  const { items } = await list(`?account=${dev}`);
  const types = items.map((e) => e.type);
  expect(types).toEqual(expect.arrayContaining(["account.blocked", "client.created", "client.updated", "account.created"]));
  for (const e of items) expect([e.actor, e.subject]).toContain(dev);
});

it("filter by client, and combine filters", async () => {
  const { items } = await list(`?client=${app}`);
  expect(items.map((e) => e.type)).toEqual(["client.updated", "client.created"]);
  expect(items[0]).toMatchObject({ actor: dev, subject: app, detail: { fields: ["name"] } });
  const both = await list(`?client=${app}&type=client.created`);
  expect(both.items.map((e) => e.type)).toEqual(["client.created"]);
});

it("filter by time: since inclusive, until exclusive", async () => {
  const at = (ms: number) => new Date(ms).toISOString();
  const window = await list(`?account=acct_timed&since=${at(T0 + 60_000)}&until=${at(T0 + 120_000)}`);
  expect(window.items.map((e) => e.detail)).toEqual([{ n: 1 }]);
  const from = await list(`?account=acct_timed&since=${encodeURIComponent("2030-01-01T01:01:00+01:00")}`);
  expect(from.items.map((e) => e.detail)).toEqual([{ n: 2 }, { n: 1 }]);
  expect((await h.call(op, "GET", "/api/v1/audit?since=yesterday")).status).toBe(400);
});

it("pages by cursor: every event once, in order; limit at most 200", async () => {
  const all = (await list("?limit=200")).items.map((e) => e.id);
  const seen: number[] = [];
  let next: string | undefined;
  do {
    const page = await list(`?limit=2${next ? `&cursor=${next}` : ""}`);
    expect(page.items.length).toBeLessThanOrEqual(2);
    seen.push(...page.items.map((e) => e.id));
    next = page.next;
  } while (next);
  expect(seen).toEqual(all);
  for (const bad of ["?limit=201", "?limit=0", "?limit=-1", "?cursor=zzz", "?cursor=MA"]) {
    const res = await h.call(op, "GET", `/api/v1/audit${bad}`);
    expect(res.status, bad).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  }
});
