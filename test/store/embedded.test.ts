/** The embedded (libSQL `file:`) adapter: the contract, restart survival and cross-client atomicity. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmbeddedStore } from "../../src/store/embedded";
import { StoreUnavailableError, type RefreshRecord } from "../../src/store/store";
import { tempDatabase } from "../support/database";
import { defineStoreContract } from "./contract";

type TempDb = Awaited<ReturnType<typeof tempDatabase>>;
let shared: TempDb;

beforeAll(async () => {
  shared = await tempDatabase();
});
afterAll(() => {
  shared?.remove();
});

defineStoreContract("embedded", async () => {
  let offset = 0;
  const store = createEmbeddedStore({ client: shared.client, now: () => Date.now() + offset });
  return {
    store,
    advanceTime: (ms) => {
      offset += ms;
    },
    teardown: async () => {},
  };
});

const record = (): RefreshRecord => ({
  family: randomUUID(),
  clientId: "c",
  sub: "acct",
  sid: "sid",
  iat: Math.floor(Date.now() / 1000),
  exp: Math.floor(Date.now() / 1000) + 3600,
  data: "{}",
});

describe("embedded adapter specifics", () => {
  it("keeps data across closing and reopening the database file", async () => {
    const db = await tempDatabase();
    try {
      const store = createEmbeddedStore({ client: db.client });
      await store.put("code:1", "kept", 60);
      await store.revoke([{ kind: "family", id: "f", at: 1234, ttlSeconds: 60 }]);
      db.client.close();
      const reopened = db.reopen();
      const again = createEmbeddedStore({ client: reopened.client });
      expect(await again.get("code:1")).toBe("kept");
      expect(await again.newestMark([{ kind: "family", id: "f" }])).toBe(1234);
      reopened.client.close();
    } finally {
      db.remove();
    }
  });

  it("is atomic across independent clients on one file (as separate processes would be)", async () => {
    const clients = [shared.client, ...Array.from({ length: 3 }, () => shared.reopen().client)];
    const stores = clients.map((client) => createEmbeddedStore({ client }));
    try {
      const key = `code:${randomUUID()}`;
      await stores[0]!.put(key, "once", 60);
      const taken = await Promise.all(
        Array.from({ length: 40 }, (_, i) => stores[i % stores.length]!.take(key)),
      );
      expect(taken.filter((v) => v !== null)).toEqual(["once"]);

      const rec = record();
      const rt = `rt:${randomUUID()}`;
      await stores[0]!.putRefresh(rt, rec, 60);
      const now = Date.now();
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          stores[i % stores.length]!.rotateRefresh({
            key: rt,
            clientId: "c",
            successorKey: `rt:${randomUUID()}:${i}`,
            idleTtlSeconds: 60,
            graceSeconds: 30,
            now,
          }),
        ),
      );
      const kinds = results.map((r) => r.outcome);
      expect(kinds.filter((o) => o === "rotated")).toHaveLength(1);
      expect(kinds.filter((o) => o === "retry")).toHaveLength(39);
    } finally {
      for (const c of clients.slice(1)) c.close();
    }
  });

  it("maps a dead database to StoreUnavailableError", async () => {
    const db = await tempDatabase();
    const store = createEmbeddedStore({ client: db.client });
    await store.ping();
    db.remove();
    await expect(store.get("x")).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
