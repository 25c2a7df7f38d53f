/**
 * The one StateStore contract suite. Every adapter's test file calls {@link defineStoreContract}; an adapter
 * is correct when this passes against its real backing store (no mocks).
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  consentMarkId,
  entitlementsKey,
  isCoveredByMark,
  type RefreshRecord,
  type RotateInput,
  type RotateOutcome,
  type StateStore,
} from "../../src/store/store";

/** What a test file hands the suite: a fresh store (isolated keys) and how to clean up. */
export interface StoreContext {
  store: StateStore;
  /** Move the store's clock forward; when absent, expiry tests wait in real time. */
  advanceTime?: (ms: number) => void;
  /** Inject network latency (random 0…ms per call) where the store has a network; reset by teardown. */
  setLatency?: (ms: number) => void;
  teardown(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const uid = (p: string) => `${p}:${randomUUID()}`;

function makeRecord(over: Partial<RefreshRecord> = {}): RefreshRecord {
  const nowS = Math.floor(Date.now() / 1000);
  return {
    family: uid("fam"),
    clientId: "client-a",
    sub: uid("acct"),
    sid: uid("sid"),
    iat: nowS,
    exp: nowS + 3600,
    data: JSON.stringify({ scope: "openid profile", note: "ünïcode / \"quotes\"" }),
    ...over,
  };
}

/**
 * Register the contract tests for one adapter.
 * @example defineStoreContract("embedded", async () => ({ store, teardown: async () => {} }));
 */
export function defineStoreContract(name: string, setup: () => Promise<StoreContext>): void {
  describe(`StateStore contract: ${name}`, () => {
    let ctx: StoreContext;
    let store: StateStore;
    beforeEach(async () => {
      ctx = await setup();
      store = ctx.store;
    });
    afterEach(async () => {
      await ctx.teardown();
    });
    const elapse = async (ms: number) => (ctx.advanceTime ? ctx.advanceTime(ms) : sleep(ms));

    /** Store a first token; returns its key and record. */
    async function seed(over: Partial<RefreshRecord> = {}) {
      const key = uid("rt");
      const record = makeRecord(over);
      await store.putRefresh(key, record, 3600);
      return { key, record };
    }
    function rotation(key: string, record: RefreshRecord, over: Partial<RotateInput> = {}): RotateInput {
      return {
        key,
        clientId: record.clientId,
        successorKey: uid("rt"),
        idleTtlSeconds: 3600,
        graceSeconds: 30,
        now: Date.now(),
        ...over,
      };
    }
    /** The record the store must write for a successor rotated at `now`. */
    const successorOf = (record: RefreshRecord, now: number): RefreshRecord => ({ ...record, iat: Math.floor(now / 1000) });
    const outcomes = (rs: RotateOutcome[]) => rs.map((r) => r.outcome);

    it("put/get, overwrite, delete, ping", async () => {
      const key = uid("flow");
      expect(await store.get(key)).toBeNull();
      await store.put(key, "one ✓", 60);
      expect(await store.get(key)).toBe("one ✓");
      expect(await store.get(key)).toBe("one ✓"); // get does not consume
      await store.put(key, '{"json":true}', 60);
      expect(await store.get(key)).toBe('{"json":true}');
      await store.delete(key);
      expect(await store.get(key)).toBeNull();
      await store.delete(key); // absent: no error
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it("values, marks and tokens expire with their TTL", async () => {
      const short = uid("code");
      const long = uid("code");
      const reset = uid("code");
      await store.put(short, "s", 1);
      await store.put(long, "l", 30);
      await store.put(reset, "old", 30);
      await store.put(reset, "new", 1); // overwrite also replaces the TTL
      const markId = uid("m");
      await store.revoke([{ kind: "jti", id: markId, at: 1000, ttlSeconds: 1 }]);
      const token = uid("rt");
      const record = makeRecord();
      await store.putRefresh(token, record, 1);
      expect(await store.newestMark([{ kind: "jti", id: markId }])).toBe(1000);
      await elapse(1300);
      expect(await store.get(short)).toBeNull();
      expect(await store.take(reset)).toBeNull();
      expect(await store.get(long)).toBe("l");
      expect(await store.newestMark([{ kind: "jti", id: markId }])).toBeNull();
      expect((await store.rotateRefresh(rotation(token, record))).outcome).toBe("unknown");
    });

    it("take returns the value once", async () => {
      const key = uid("code");
      await store.put(key, "v", 60);
      expect(await store.take(key)).toBe("v");
      expect(await store.take(key)).toBeNull();
      expect(await store.get(key)).toBeNull();
    });

    it("50 parallel takes: exactly one gets the value", async () => {
      const key = uid("code");
      await store.put(key, "once", 60);
      const got = await Promise.all(Array.from({ length: 50 }, () => store.take(key)));
      expect(got.filter((v) => v !== null)).toEqual(["once"]);
    });

    it("rotates a live token; the successor rotates again; getRefresh sees both states", async () => {
      const { key, record } = await seed({ iat: Math.floor(Date.now() / 1000) - 100 });
      expect(await store.getRefresh(key)).toEqual({ record, spentAt: null });
      const first = rotation(key, record);
      const r1 = await store.rotateRefresh(first);
      const successor = successorOf(record, first.now);
      expect(r1).toEqual({ outcome: "rotated", record, successor });
      expect(await store.getRefresh(key)).toEqual({ record, spentAt: first.now });
      expect(await store.getRefresh(first.successorKey)).toEqual({ record: successor, spentAt: null });
      const second = rotation(first.successorKey, successor, { now: first.now + 1000 });
      const r2 = await store.rotateRefresh(second);
      expect(r2).toEqual({ outcome: "rotated", record: successor, successor: successorOf(record, first.now + 1000) });
      expect(await store.getRefresh(uid("rt"))).toBeNull();
    });

    it("the successor lives for the idle TTL, capped at the family's absolute expiry", async () => {
      const now = Date.now();
      const { key, record } = await seed({ exp: Math.floor(now / 1000) + 2 });
      const capped = rotation(key, record, { idleTtlSeconds: 3600, now });
      expect((await store.rotateRefresh(capped)).outcome).toBe("rotated");
      const { key: k2, record: r2 } = await seed();
      const idle = rotation(k2, r2, { idleTtlSeconds: 1, now });
      expect((await store.rotateRefresh(idle)).outcome).toBe("rotated");
      await elapse(3100);
      expect(await store.getRefresh(capped.successorKey)).toBeNull();
      expect(await store.getRefresh(idle.successorKey)).toBeNull();
    });

    it("a retry within grace by the same client gets retry with the time of use; another client is reuse", async () => {
      const { key, record } = await seed();
      const input = rotation(key, record);
      expect((await store.rotateRefresh(input)).outcome).toBe("rotated");
      const again = await store.rotateRefresh({ ...rotation(key, record), now: input.now + 1000 });
      expect(again).toEqual({ outcome: "retry", record, spentAt: input.now });
      const other = await store.rotateRefresh({ ...rotation(key, record), clientId: "client-b", now: input.now + 2000 });
      expect(other).toEqual({ outcome: "reuse", record });
    });

    it("replay after grace is reuse and revokes the successor and its descendants", async () => {
      const { key, record } = await seed();
      const a = rotation(key, record);
      expect((await store.rotateRefresh(a)).outcome).toBe("rotated");
      const aSucc = successorOf(record, a.now);
      const b = rotation(a.successorKey, aSucc, { now: a.now + 1 });
      expect((await store.rotateRefresh(b)).outcome).toBe("rotated");
      const late = a.now + (a.graceSeconds + 1) * 1000;
      expect((await store.rotateRefresh({ ...rotation(key, record), now: late })).outcome).toBe("reuse");
      const after = { now: late + 1 };
      expect((await store.rotateRefresh(rotation(key, record, after))).outcome).toBe("revoked");
      expect((await store.rotateRefresh(rotation(a.successorKey, aSucc, after))).outcome).toBe("revoked");
      expect((await store.rotateRefresh(rotation(b.successorKey, aSucc, after))).outcome).toBe("revoked");
    });

    it("wrong_client leaves a live token usable", async () => {
      const { key, record } = await seed();
      const wrong = await store.rotateRefresh({ ...rotation(key, record), clientId: "client-b" });
      expect(wrong).toEqual({ outcome: "wrong_client", record });
      expect((await store.rotateRefresh(rotation(key, record))).outcome).toBe("rotated");
    });

    it("unknown for a missing token", async () => {
      const record = makeRecord();
      expect(await store.rotateRefresh(rotation(uid("rt"), record))).toEqual({ outcome: "unknown" });
    });

    for (const kind of ["family", "session", "account", "consent"] as const) {
      it(`revoked when a ${kind} mark covers the token (boundary at iat*1000)`, async () => {
        const { key, record } = await seed();
        const id = kind === "family" ? record.family : kind === "session" ? record.sid : kind === "account" ? record.sub : consentMarkId(record.sub, record.clientId);
        await store.revoke([{ kind, id, at: record.iat * 1000 - 1, ttlSeconds: 60 }]);
        const input = rotation(key, record);
        expect((await store.rotateRefresh({ ...input, now: input.now })).outcome).toBe("rotated");
        const { key: key2, record: rec2 } = await seed({ family: record.family, sid: record.sid, sub: record.sub, clientId: record.clientId });
        await store.revoke([{ kind, id, at: rec2.iat * 1000, ttlSeconds: 60 }]);
        expect(await store.rotateRefresh(rotation(key2, rec2))).toEqual({ outcome: "revoked", record: rec2 });
      });
    }

    it("50 parallel rotations with different successors: one rotated, the rest retry", async () => {
      const { key, record } = await seed();
      const now = Date.now();
      const inputs = Array.from({ length: 50 }, () => rotation(key, record, { now }));
      const results = await Promise.all(inputs.map((i) => store.rotateRefresh(i)));
      const rotatedAt = results.findIndex((r) => r.outcome === "rotated");
      expect(outcomes(results).filter((o) => o === "rotated")).toHaveLength(1);
      expect(outcomes(results).filter((o) => o === "retry")).toHaveLength(49);
      for (const r of results) if (r.outcome === "retry") expect(r.spentAt).toBe(now);
      for (const [i, input] of inputs.entries()) {
        const next = await store.rotateRefresh(rotation(input.successorKey, record));
        expect(next.outcome).toBe(i === rotatedAt ? "rotated" : "unknown");
      }
    });

    it("with no grace even the same client's immediate retry is reuse", async () => {
      const { key, record } = await seed();
      const now = Date.now();
      const results = outcomes(await Promise.all(Array.from({ length: 20 }, () => store.rotateRefresh(rotation(key, record, { graceSeconds: 0, now })))));
      expect(results.filter((o) => o === "rotated")).toHaveLength(1);
      for (const o of results) expect(["rotated", "reuse", "revoked"]).toContain(o);
    });

    it("50 parallel rotations by different clients with no grace: never two rotated", async () => {
      const { key, record } = await seed({ clientId: "c0" });
      const now = Date.now();
      const inputs = Array.from({ length: 50 }, (_, i) =>
        rotation(key, record, { clientId: `c${i}`, graceSeconds: 0, now }),
      );
      const results = outcomes(await Promise.all(inputs.map((i) => store.rotateRefresh(i))));
      expect(results.filter((o) => o === "rotated")).toHaveLength(1);
      for (const o of results) expect(["rotated", "wrong_client", "reuse", "revoked"]).toContain(o);
    });

    it("marks compare with when the grant was authorized, however often it rotated since", async () => {
      const now = Date.now();
      const authAt = now - 5000;
      const { key, record } = await seed({ authAt, iat: Math.floor(authAt / 1000) });
      const first = rotation(key, record, { now: now - 3000 });
      const r1 = await store.rotateRefresh(first);
      expect(r1).toEqual({ outcome: "rotated", record, successor: successorOf(record, first.now) });
      // A logout after the authorization but before the latest rotation still covers the family.
      await store.revoke([{ kind: "session", id: record.sid, at: authAt + 1000, ttlSeconds: 60 }]);
      const successor = successorOf(record, first.now);
      expect(await store.rotateRefresh(rotation(first.successorKey, successor, { now }))).toEqual({ outcome: "revoked", record: successor });
      // A mark older than the authorization does not.
      const { key: k2, record: r2 } = await seed({ authAt, iat: Math.floor(authAt / 1000) });
      await store.revoke([{ kind: "account", id: r2.sub, at: authAt - 1, ttlSeconds: 60 }]);
      expect((await store.rotateRefresh(rotation(k2, r2, { now }))).outcome).toBe("rotated");
    });

    it("a rotation and a retry return the subject's published entitlements, read in the same call", async () => {
      const { key, record } = await seed();
      const first = rotation(key, record);
      const r1 = await store.rotateRefresh(first);
      expect(r1).toEqual({ outcome: "rotated", record, successor: successorOf(record, first.now) });
      expect("entitlements" in r1).toBe(false); // none published
      const published = JSON.stringify({ scopes: ["a"], roles: [], derivedAt: first.now });
      await store.put(entitlementsKey(record.sub), published, 60);
      const successor = successorOf(record, first.now);
      const second = rotation(first.successorKey, successor, { now: first.now + 1000 });
      const before = store.roundTrips;
      expect(await store.rotateRefresh(second)).toMatchObject({ outcome: "rotated", entitlements: published });
      expect(store.roundTrips - before).toBe(1);
      expect(await store.rotateRefresh({ ...second, now: second.now + 1 })).toMatchObject({ outcome: "retry", entitlements: published });
    });

    it("a family mark written on reuse lives at least minMarkTtlSeconds, past the family's own end", async () => {
      const now = Date.now();
      const { key, record } = await seed({ exp: Math.floor(now / 1000) + 2 });
      const first = rotation(key, record, { graceSeconds: 0, now });
      expect((await store.rotateRefresh(first)).outcome).toBe("rotated");
      expect((await store.rotateRefresh({ ...first, now: now + 10, minMarkTtlSeconds: 60 })).outcome).toBe("reuse");
      await elapse(3100); // the family has ended; its access tokens (carrying its id) may still live
      expect(await store.newestMark([{ kind: "family", id: record.family }])).toBe(now + 10);
    });

    it("restoreRefresh undoes a rotation nobody received: the token is live again, the successor gone", async () => {
      const { key, record } = await seed();
      const input = rotation(key, record);
      expect((await store.rotateRefresh(input)).outcome).toBe("rotated");
      expect(await store.restoreRefresh({ key, successorKey: input.successorKey, spentAt: input.now })).toBe(true);
      expect(await store.getRefresh(key)).toEqual({ record, spentAt: null });
      expect(await store.getRefresh(input.successorKey)).toBeNull();
      // Not a reuse: the same token rotates normally afterwards, even past the grace window.
      const later = rotation(key, record, { now: input.now + (input.graceSeconds + 1) * 1000 });
      expect((await store.rotateRefresh(later)).outcome).toBe("rotated");
    });

    it("restoreRefresh refuses once the successor was handed to a retry, was used, or for another rotation", async () => {
      const retried = await seed();
      const a = rotation(retried.key, retried.record);
      expect((await store.rotateRefresh(a)).outcome).toBe("rotated");
      expect((await store.rotateRefresh({ ...a, now: a.now + 1 })).outcome).toBe("retry");
      expect(await store.restoreRefresh({ key: retried.key, successorKey: a.successorKey, spentAt: a.now })).toBe(false);
      expect(await store.getRefresh(retried.key)).toEqual({ record: retried.record, spentAt: a.now });
      expect((await store.getRefresh(a.successorKey))?.spentAt).toBeNull();

      const used = await seed();
      const b = rotation(used.key, used.record);
      expect((await store.rotateRefresh(b)).outcome).toBe("rotated");
      expect((await store.rotateRefresh(rotation(b.successorKey, used.record, { now: b.now + 1 }))).outcome).toBe("rotated");
      expect(await store.restoreRefresh({ key: used.key, successorKey: b.successorKey, spentAt: b.now })).toBe(false);
      expect((await store.getRefresh(used.key))?.spentAt).toBe(b.now);

      const other = await seed();
      const c = rotation(other.key, other.record);
      expect((await store.rotateRefresh(c)).outcome).toBe("rotated");
      expect(await store.restoreRefresh({ key: other.key, successorKey: c.successorKey, spentAt: c.now - 1 })).toBe(false);
      expect(await store.restoreRefresh({ key: uid("rt"), successorKey: c.successorKey, spentAt: c.now })).toBe(false);
    });

    it("undos racing a retry never take away a successor that was handed out (latency injected)", async () => {
      ctx.setLatency?.(15);
      for (let round = 0; round < 8; round++) {
        const { key, record } = await seed();
        const successorKey = uid("rt"); // derived from the presented token in real use: the same for every caller
        // Someone holding a copy of the token floods requests that fail after rotating (each undone).
        const flood = async () => {
          for (let i = 0; i < 6; i++) {
            const now = Date.now();
            const r = await store.rotateRefresh(rotation(key, record, { successorKey, now }));
            if (r.outcome === "rotated") await store.restoreRefresh({ key, successorKey, spentAt: now });
          }
        };
        // The rightful client's one refresh lands somewhere in between.
        const victim = async () => {
          await sleep(Math.random() * 40);
          return store.rotateRefresh(rotation(key, record, { successorKey, now: Date.now() }));
        };
        const [, got] = await Promise.all([flood(), victim()]);
        expect(["rotated", "retry"]).toContain(got.outcome);
        // Whatever the interleaving: the successor the victim was given is live, the presented token spent.
        expect((await store.getRefresh(successorKey))?.spentAt).toBeNull();
        expect((await store.getRefresh(key))?.spentAt).not.toBeNull();
      }
    });

    it("newestMark: max of several refs, null when none, never lowered", async () => {
      const a = { kind: "jti" as const, id: uid("j") };
      const b = { kind: "session" as const, id: uid("s") };
      const c = { kind: "account" as const, id: uid("a") };
      expect(await store.newestMark([a, b, c])).toBeNull();
      const t = 1_760_000_000_123;
      await store.revoke([
        { ...a, at: t, ttlSeconds: 60 },
        { ...b, at: t + 5, ttlSeconds: 60 },
      ]);
      expect(await store.newestMark([a, b, c])).toBe(t + 5);
      expect(await store.newestMark([a, c])).toBe(t);
      await store.revoke([{ ...b, at: t - 1000, ttlSeconds: 60 }]); // older write: ignored
      expect(await store.newestMark([b])).toBe(t + 5);
      await store.revoke([{ ...b, at: t + 9, ttlSeconds: 60 }]); // newer: replaces
      expect(await store.newestMark([b, c])).toBe(t + 9);
      expect(isCoveredByMark(t + 9, Math.floor((t + 9) / 1000))).toBe(true);
      expect(isCoveredByMark(999, 1)).toBe(false);
      expect(isCoveredByMark(1000, 1)).toBe(true);
      expect(isCoveredByMark(null, 0)).toBe(false);
    });

    it("every method is exactly one round trip", async () => {
      const { key, record } = await seed();
      const refs = [{ kind: "jti" as const, id: uid("j") }];
      // Warm up: a fresh Redis answers NOSCRIPT once per script (evalsha, then eval).
      await store.revoke([{ ...refs[0]!, at: 1, ttlSeconds: 5 }]);
      await store.newestMark(refs);
      await store.rotateRefresh(rotation(uid("rt"), record));
      await store.getRefresh(uid("rt"));
      const k = uid("k");
      const calls: Array<() => Promise<unknown>> = [
        () => store.put(k, "v", 60),
        () => store.get(k),
        () => store.take(k),
        () => store.delete(k),
        () => store.rotateRefresh(rotation(key, record)),
        () => store.rotateRefresh(rotation(key, record)),
        () => store.restoreRefresh({ key, successorKey: uid("rt"), spentAt: 1 }),
        () => store.putRefresh(uid("rt"), record, 60),
        () => store.getRefresh(key),
        () => store.revoke([{ ...refs[0]!, at: 2, ttlSeconds: 5 }, { kind: "session", id: "s", at: 2, ttlSeconds: 5 }]),
        () => store.newestMark([...refs, { kind: "family", id: "f" }, { kind: "account", id: "a" }]),
        () => store.ping(),
      ];
      for (const call of calls) {
        const before = store.roundTrips;
        await call();
        expect(store.roundTrips - before).toBe(1);
      }
    });
  });
}
