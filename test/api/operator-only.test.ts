/**
 * Every operator route refuses everyone but operators, walked from the one route table the API is built
 * from — a new route joins the walk by existing. A developer (`authbridge:clients`) and a token with no
 * management scope get 403 on each; the operator gets past the gate on each. Routes open to developers
 * refuse a token without either scope. On both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { managementApiRoutes } from "../../src/api/routes";
import { MANAGEMENT_ROUTES } from "../../src/api/table";
import { createClient } from "../../src/clients/registry";
import { sessions } from "../../src/db/schema";
import { postForm, claimsOf } from "../support/oauth";
import { AUD, createHarness, startStores, type Harness, type Stores } from "./harness";
import { eq } from "drizzle-orm";

let stores: Stores;
beforeAll(async () => {
  stores = await startStores();
});
afterAll(async () => {
  await stores?.stop();
});

const OPERATOR_ROUTES = MANAGEMENT_ROUTES.filter((r) => r.access === "operator");
const DEVELOPER_ROUTES = MANAGEMENT_ROUTES.filter((r) => r.access === "developer");

describe("the route table", () => {
  it("is what the API serves: every registered route is declared with its access level, and nothing else is", async () => {
    const h = await createHarness("embedded", stores.bridge);
    try {
      const served = managementApiRoutes(h.t.deps).routes.map((r) => `${r.method} ${r.path}`);
      expect(new Set(served)).toEqual(new Set(MANAGEMENT_ROUTES.map((r) => `${r.method} ${r.path}`)));
      expect(OPERATOR_ROUTES.map((r) => r.path)).toEqual(expect.arrayContaining(["/api/v1/accounts", "/api/v1/audit", "/api/v1/signing-keys", "/api/v1/sessions"]));
      // And the app serves them: an unauthenticated call to each is a 401, never a 404.
      for (const r of MANAGEMENT_ROUTES) expect((await h.request(r.path.replace(/:id/g, "x"), { method: r.method })).status, `${r.method} ${r.path}`).toBe(401);
    } finally {
      h.close();
    }
  });
});

describe.each(["embedded", "upstash"] as const)("operator routes (%s store)", (store) => {
  let h: Harness;
  let developer: string;
  let scopeless: string;
  let operator: string;
  /** Ids that exist, so that a 403 is the gate's and not a missing thing's. */
  let ids: { account: string; session: string };

  beforeAll(async () => {
    h = await createHarness(store, stores.bridge);
    developer = (await h.personToken(await h.signIn("op-dev", ["devs"]))).access_token;
    const made = await createClient(h.t.deps.db, { name: "reports", scopes: ["reports:read"], audiences: [AUD] });
    scopeless = ((await (await postForm(h.t.app, "/token", { grant_type: "client_credentials", resource: AUD }, { id: made.client.id, secret: made.secret! })).json()) as { access_token: string }).access_token;
    operator = await h.operatorToken();
    const victim = claimsOf((await h.personToken(await h.signIn("op-victim", []), { scope: "profile" })).access_token) as { sub: string; sid: string };
    ids = { account: victim.sub, session: victim.sid };
    expect(await h.t.deps.db.select().from(sessions).where(eq(sessions.id, ids.session))).toHaveLength(1);
  });
  afterAll(() => h?.close());

  const pathOf = (path: string) => path.replace(":id", path.startsWith("/api/v1/sessions") ? ids.session : ids.account);

  it.each(OPERATOR_ROUTES.map((r) => [r.method, r.path, r] as const))("%s %s: 403 for a developer and for a token without a management scope", async (method, path) => {
    for (const token of [developer, scopeless]) {
      const res = await h.call(token, method, pathOf(path), method === "GET" ? undefined : {});
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.headers.get("www-authenticate")).toBe('Bearer error="insufficient_scope", scope="authbridge:admin"');
    }
  });

  it.each(OPERATOR_ROUTES.map((r) => [r.method, r.path, r] as const))("%s %s: the operator gets past the gate", async (method, path) => {
    const query = path === "/api/v1/sessions" ? `?account=${ids.account}` : "";
    const res = await h.call(operator, method, pathOf(path) + query, method === "GET" ? undefined : {});
    expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBeLessThan(300);
  });

  it.each(DEVELOPER_ROUTES.map((r) => [r.method, r.path, r] as const))("%s %s: 403 for a token with neither management scope", async (method, path) => {
    const res = await h.call(scopeless, method, pathOf(path), method === "GET" ? undefined : {});
    expect(res.status).toBe(403);
  });
});
