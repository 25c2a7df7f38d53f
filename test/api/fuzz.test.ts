/**
 * Malformed input anywhere in the management API — bodies, content types, query strings, path ids — answers
 * 4xx in the problem+json shape (or succeeds), never 5xx, for an operator and for a developer.
 */
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MANAGEMENT_ROUTES } from "../../src/api/table";
import { createHarness, startStores, type Harness, type Stores } from "./harness";

let stores: Stores;
let h: Harness;
let tokens: string[];
beforeAll(async () => {
  stores = await startStores();
  h = await createHarness("embedded", stores.bridge);
  tokens = [await h.operatorToken(), (await h.personToken(await h.signIn("fuzzer", ["devs"]))).access_token];
});
afterAll(async () => {
  h?.close();
  await stores?.stop();
});

const segment = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("client_x", "acct_x", "%00", "..", "a".repeat(300)));

it("never a 5xx, always a documented shape", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...MANAGEMENT_ROUTES),
      fc.constantFrom(0, 1),
      segment,
      fc.dictionary(fc.constantFrom("q", "limit", "cursor", "type", "account", "client", "since", "until", "owner", "x"), fc.string({ maxLength: 30 }), { maxKeys: 4 }),
      fc.oneof(fc.json({ maxDepth: 3 }), fc.string({ maxLength: 200 })),
      fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", ""),
      async (r, who, id, params, body, type) => {
        const path = r.path.replace(":id", encodeURIComponent(id));
        const qs = new URLSearchParams(params).toString();
        const headers: Record<string, string> = { authorization: `Bearer ${tokens[who]}` };
        if (type) headers["content-type"] = type;
        const res = await h.request(`${path}${qs ? `?${qs}` : ""}`, { method: r.method, headers, ...(r.method === "GET" ? {} : { body }) });
        expect(res.status, `${r.method} ${path} ${body}`).toBeLessThan(500);
        if (res.status >= 400 && res.status !== 401) expect(res.headers.get("content-type")).toBe("application/problem+json");
      },
    ),
    { numRuns: 300 },
  );
});
