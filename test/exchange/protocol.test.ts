/**
 * The RFC 8693 surface of `/token`: who may exchange, which parameters are refused and how, audience
 * selection, client scope limits, blocked bot accounts, and the metadata advertising the grant.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockAccountEverywhere } from "../../src/cli/account-commands";
import { SUBJECT_TOKEN_TYPES } from "../../src/domain";
import { createTestApp, type TestApp } from "../support/app";
import { createWorld, startFakes, type World } from "../support/fakes";
import { postForm } from "../support/oauth";
import { ACCESS_TOKEN_TYPE, body, botClient, exchange, exchangeEnv, ISSUER, TOKEN_EXCHANGE, verifyAccessToken } from "./setup";

let world: World;
let server: ReturnType<typeof startFakes>;
let t: TestApp;
let client: { id: string; secret: string };

beforeAll(async () => {
  world = await createWorld(ISSUER);
  server = startFakes(world);
  world.slack.bots.set("xoxb-acme", { teamId: "T0001", team: "Acme", userId: "U0BOT", botId: "B0001" });
  world.slack.bots.set("xoxb-blocked", { teamId: "T0001", team: "Acme", userId: "U0BOT9", botId: "B0009" });
  t = await createTestApp({ env: exchangeEnv({ AUTHBRIDGE_AUDIENCE: "https://api.example.com" }) });
  client = await botClient(t, { audiences: ["https://events.example.com"] });
});
afterAll(() => {
  server.close();
  t.close();
});

async function expectError(res: Response, status: number, error: string) {
  expect(res.status).toBe(status);
  const b = await body(res);
  expect(b).toMatchObject({ error });
  expect(b).not.toHaveProperty("access_token");
}

describe("token exchange: protocol", () => {
  it("a client not allowed the grant: unauthorized_client", async () => {
    const other = await botClient(t, { grants: ["client_credentials"] });
    await expectError(await exchange(t, other, "slack", "xoxb-acme"), 400, "unauthorized_client");
  });

  it("no or bad client authentication: invalid_client", async () => {
    await expectError(await exchange(t, { id: client.id, secret: "secret_wrong" }, "slack", "xoxb-acme"), 401, "invalid_client");
    const res = await postForm(t.app, "/token", { grant_type: TOKEN_EXCHANGE, subject_token: "xoxb-acme", subject_token_type: SUBJECT_TOKEN_TYPES.slack });
    await expectError(res, 401, "invalid_client");
  });

  it("parameters: unknown subject_token_type, missing token or type, other requested_token_type, actor_token", async () => {
    const send = (form: Record<string, string>) => postForm(t.app, "/token", { grant_type: TOKEN_EXCHANGE, ...form }, client);
    await expectError(await send({ subject_token: "x", subject_token_type: "urn:ietf:params:oauth:token-type:jwt" }), 400, "unsupported_token_type");
    await expectError(await send({ subject_token: "x", subject_token_type: "urn:authbridge:token-type:gitlab" }), 400, "unsupported_token_type");
    await expectError(await send({ subject_token_type: SUBJECT_TOKEN_TYPES.slack }), 400, "invalid_request");
    await expectError(await send({ subject_token: "xoxb-acme" }), 400, "invalid_request");
    const base = { subject_token: "xoxb-acme", subject_token_type: SUBJECT_TOKEN_TYPES.slack };
    await expectError(await send({ ...base, requested_token_type: "urn:ietf:params:oauth:token-type:refresh_token" }), 400, "invalid_request");
    await expectError(await send({ ...base, actor_token: "xoxb-acme", actor_token_type: SUBJECT_TOKEN_TYPES.slack }), 400, "invalid_request");
    await expectError(await send({ ...base, scope: "bad\\scope" }), 400, "invalid_scope");
    const ok = await send({ ...base, requested_token_type: ACCESS_TOKEN_TYPE });
    expect(ok.status).toBe(200);
  });

  it("aud: the default audience, or an allowed resource/audience; anything else invalid_target", async () => {
    const plain = await body(await exchange(t, client, "slack", "xoxb-acme"));
    expect((await verifyAccessToken(t, String(plain.access_token), "https://api.example.com")).payload.aud).toBe("https://api.example.com");
    for (const param of ["resource", "audience"]) {
      const b = await body(await exchange(t, client, "slack", "xoxb-acme", { [param]: "https://events.example.com" }));
      expect((await verifyAccessToken(t, String(b.access_token), "https://events.example.com")).payload.aud).toBe("https://events.example.com");
      await expectError(await exchange(t, client, "slack", "xoxb-acme", { [param]: "https://evil.example.com" }), 400, "invalid_target");
    }
  });

  it("a client's scope list limits what a bot gets through it", async () => {
    const narrow = await botClient(t, { scopes: ["events:write"] });
    expect((await body(await exchange(t, narrow, "slack", "xoxb-acme"))).scope).toBe("events:write");
    expect((await body(await exchange(t, narrow, "slack", "xoxb-acme", { scope: "profile" }))).scope).toBe("");
  });

  it("a blocked bot account: invalid_grant, even while its check is cached", async () => {
    const first = await body(await exchange(t, client, "slack", "xoxb-blocked"));
    const { payload } = await verifyAccessToken(t, String(first.access_token), "https://api.example.com");
    await blockAccountEverywhere(t.deps, String(payload.sub));
    await expectError(await exchange(t, client, "slack", "xoxb-blocked"), 400, "invalid_grant");
  });

  it("bot and user subjects: both opaque account ids, distinct from client ids", async () => {
    const b = await body(await exchange(t, client, "slack", "xoxb-acme"));
    const { payload } = await verifyAccessToken(t, String(b.access_token), "https://api.example.com");
    expect(String(payload.sub)).toMatch(/^acct_/);
    expect(payload.sub).not.toBe(client.id);
    expect(payload.client_id).toBe(client.id);
  });

  it("metadata advertises the grant", async () => {
    const meta = await body(await t.app.request("/.well-known/oauth-authorization-server"));
    expect(meta.grant_types_supported).toContain(TOKEN_EXCHANGE);
  });
});
