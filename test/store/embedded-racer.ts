/**
 * A separate process racing others on one embedded store (test/store/embedded.test.ts runs three):
 * argv = url, code key, token key, start time (epoch ms), racer id. Prints its outcomes as JSON.
 */
import { createEmbeddedStore } from "../../src/store/embedded";

const [url, codeKey, tokenKey, startAt, id] = process.argv.slice(2) as [string, string, string, string, string];
const store = createEmbeddedStore({ url });
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const now = Date.now();
const taken = await Promise.all(Array.from({ length: 20 }, () => store.take(codeKey)));
const rotations = await Promise.all(
  Array.from({ length: 20 }, (_, i) =>
    store.rotateRefresh({ key: tokenKey, clientId: "c", successorKey: `${tokenKey}:next:${id}:${i}`, idleTtlSeconds: 60, graceSeconds: 30, now }).then((r) => r.outcome),
  ),
);
process.stdout.write(JSON.stringify({ taken, rotations }));
