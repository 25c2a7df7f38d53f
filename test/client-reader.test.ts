/**
 * The Node client reader (a statement prepared once on the libsql driver) returns exactly what the
 * registry's drizzle query returns, for every kind of client, and sees changes made through the other
 * connection at once (no cache: a disabled client or a rotated secret counts from the next request).
 */
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
});
