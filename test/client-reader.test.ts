/**
 * The Node client reader (a statement prepared once on the libsql driver) returns exactly what the
 * registry's drizzle query returns, for every kind of client. It keeps rows between look-ups, yet a change
 * made through the app's own connection counts from the very next look-up, and one committed by another
 * process (any other connection to the file) from the next turn of the event loop.
 */
import Database from "libsql";
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, disableClient, findClient, rotateClientSecret } from "../src/clients/registry";
import { openDatabase, tuneLocalDatabase } from "../src/db/client";
import { applyMigrations } from "../src/db/migrate";
import { nodeClientReader } from "../src/runtime/node-client-reader";
import { tempDir } from "./support/temp";

const dir = tempDir("authbridge-reader-");
const url = `file:${dir.path}/reader.db`;
const { db, client } = openDatabase({ url });
beforeAll(async () => {
  await tuneLocalDatabase(url, client);
  await applyMigrations(db);
});
afterAll(() => {
  client.close();
  dir.remove();
});

describe("nodeClientReader", () => {
  it("is only for file: databases", () => {
    expect(nodeClientReader("libsql://db.example.turso.io")).toBeUndefined();
  });

  it("returns what the registry returns, and every change at once", async () => {
    const read = nodeClientReader(url)!;
    const conf = await createClient(db, { name: "svc", scopes: ["a", "b"], audiences: ["https://api.example.com"], introspectAudiences: ["https://api.example.com"] });
    const pub = await createClient(db, { name: "web", isPublic: true, redirectUris: ["https://app.example.com/cb"] });
    for (const id of [conf.client.id, pub.client.id]) expect(await read(id)).toEqual(await findClient(db, id));
    expect((await read(pub.client.id))?.isPublic).toBe(true);
    expect(await read("client_nope")).toBeUndefined();
    await rotateClientSecret(db, conf.client.id);
    expect((await read(conf.client.id))?.secretHash).toBe((await findClient(db, conf.client.id))?.secretHash);
    await disableClient(db, conf.client.id);
    expect((await read(conf.client.id))?.disabledAt).toEqual(expect.any(Number));
  });

  it("answers repeated look-ups from what it read, frozen so no request can change it", async () => {
    const read = nodeClientReader(url)!;
    const { client: c } = await createClient(db, { name: "kept", scopes: ["a"] });
    const first = await read(c.id);
    expect(await read(c.id)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first!.scopes)).toBe(true);
  });

  it("sees a write by another process from the next turn, one through the app's connection at once", async () => {
    const read = nodeClientReader(url)!;
    const { client: c } = await createClient(db, { name: "watched", scopes: ["a"] });
    expect((await read(c.id))?.disabledAt).toBeNull();
    // Another process: its own connection to the file, not the app's client.
    const other = new Database(url.slice("file:".length));
    try {
      other.prepare("UPDATE clients SET disabled_at = ? WHERE id = ?").run(Date.now(), c.id);
      await nextTurn();
      expect((await read(c.id))?.disabledAt).toEqual(expect.any(Number));
      other.prepare("UPDATE clients SET disabled_at = NULL WHERE id = ?").run(c.id);
      await nextTurn();
      expect((await read(c.id))?.disabledAt).toBeNull();
    } finally {
      other.close();
    }
    // Through the app's connection: seen by the next look-up, with no turn in between.
    expect((await read(c.id))?.secretHash).toBeTruthy();
    await rotateClientSecret(db, c.id);
    expect((await read(c.id))?.secretHash).toBe((await findClient(db, c.id))?.secretHash);
    await disableClient(db, c.id);
    expect((await read(c.id))?.disabledAt).toEqual(expect.any(Number));
  });

  it("an unknown id is remembered as unknown until the database changes", async () => {
    const read = nodeClientReader(url)!;
    expect(await read("client_later")).toBeUndefined();
    const { client: c } = await createClient(db, { name: "later" });
    expect(await read(c.id)).toBeDefined();
  });
});
