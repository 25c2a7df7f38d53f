/** The embedded (libSQL `file:`) adapter: the contract, restart survival, atomicity across processes. */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
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
  const store = createEmbeddedStore({ url: shared.url, now: () => Date.now() + offset });
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

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Run the racer script in a separate process; it prints its outcomes as JSON. */
function racer(url: string, codeKey: string, tokenKey: string, startAt: number, id: number): Promise<{ taken: (string | null)[]; rotations: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(`${root}node_modules/.bin/tsx`, [`${root}test/store/embedded-racer.ts`, url, codeKey, tokenKey, String(startAt), String(id)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.once("exit", (code) => (code === 0 ? resolve(JSON.parse(out) as { taken: (string | null)[]; rotations: string[] }) : reject(new Error(`racer exited ${code}`))));
  });
}

describe("embedded adapter specifics", () => {
  it("keeps data across closing and reopening the database file", async () => {
    const db = await tempDatabase();
    try {
      const store = createEmbeddedStore({ url: db.url });
      await store.put("code:1", "kept", 60);
      await store.revoke([{ kind: "family", id: "f", at: 1234, ttlSeconds: 60 }]);
      const again = createEmbeddedStore({ url: db.url });
      expect(await again.get("code:1")).toBe("kept");
      expect(await again.newestMark([{ kind: "family", id: "f" }])).toBe(1234);
    } finally {
      db.remove();
    }
  });

  it("is atomic across processes sharing the file: one take, one rotation", async () => {
    const store = createEmbeddedStore({ url: shared.url });
    const codeKey = `code:${randomUUID()}`;
    const tokenKey = `rt:${randomUUID()}`;
    await store.put(codeKey, "once", 60);
    await store.putRefresh(tokenKey, record(), 60);
    const startAt = Date.now() + 2500; // every process starts hammering at the same moment
    const results = await Promise.all([0, 1, 2].map((id) => racer(shared.url, codeKey, tokenKey, startAt, id)));
    const taken = results.flatMap((r) => r.taken);
    const rotations = results.flatMap((r) => r.rotations);
    expect(taken.filter((v) => v !== null)).toEqual(["once"]);
    expect(rotations.filter((o) => o === "rotated")).toHaveLength(1);
    expect(rotations.filter((o) => o === "retry")).toHaveLength(rotations.length - 1);
  }, 30_000);

  it("maps a broken database file to StoreUnavailableError", async () => {
    const db = await tempDatabase();
    const store = createEmbeddedStore({ url: db.url });
    await store.ping();
    // Overwrite the file in place: the open connection now reads garbage, as after a disk fault.
    writeFileSync(db.url.slice("file:".length), Buffer.alloc(64 * 1024, 0x5a));
    await expect(store.get("x")).rejects.toBeInstanceOf(StoreUnavailableError);
    db.remove();
  });
});
