/**
 * No log line carries a token, a code or a secret: a whole GitHub login (authorize → platform → callback
 * → code → token), a refresh, a replayed refresh token (reuse: a warn line and a counter), and a token
 * exchange, with every line captured at debug level.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/clients/registry";
import { exchange, exchangeEnv, ISSUER, RULES } from "../exchange/setup";
import { createWorld, FakeBrowser, FAKE_CLIENTS, startFakes, type World } from "../support/fakes";
import { authorizeUrl, followUntil, pkce } from "../support/login";
import { postForm } from "../support/oauth";
import { observedApp, sample, type ObservedApp } from "./support";

const CB = "https://app.example.com/cb";
let world: World;
let fakes: ReturnType<typeof startFakes>;
let o: ObservedApp;

beforeAll(async () => {
  world = await createWorld(ISSUER);
  fakes = startFakes(world);
  world.github.users.set(4242, { id: 4242, login: "octocat", emails: [], orgs: ["acme"], teams: [] });
  world.github.tokens.set("gho_octocat_log_probe", { userId: 4242, scope: "read:org" });
  o = await observedApp({ env: exchangeEnv({ AUTHBRIDGE_ISSUER: ISSUER, REFRESH_REUSE_GRACE: "0" }) });
});
afterAll(() => {
  fakes?.close();
  o?.t.close();
});

describe("logs never carry credentials", () => {
  it("after a login, a refresh, a reuse and an exchange", async () => {
    expect(RULES.rules.length).toBeGreaterThan(0);
    const secrets: string[] = [FAKE_CLIENTS.github.secret, "gho_octocat_log_probe"];
    const web = await createClient(o.t.deps.db, { name: "web", isPublic: true, redirectUris: [CB] });
    const bot = await createClient(o.t.deps.db, { name: "bot", grants: ["urn:ietf:params:oauth:grant-type:token-exchange"] });
    secrets.push(bot.secret!);

    // Login.
    world.github.browser.userId = 4242;
    const { verifier, challenge } = pkce();
    const state = `state-${crypto.randomUUID()}`;
    const url = authorizeUrl(ISSUER, { response_type: "code", client_id: web.client.id, redirect_uri: CB, code_challenge: challenge, code_challenge_method: "S256", state, provider: "github", scope: "repos:read" });
    const { landed, visited } = await followUntil(new FakeBrowser(o.app, ISSUER), url, CB);
    expect(landed, visited.join(" -> ")).toBeDefined();
    const code = landed!.searchParams.get("code")!;
    secrets.push(verifier, challenge, state, code);
    // What the platform's side of the flow carried (its code and state), from the URLs the browser visited.
    for (const v of visited) for (const [k, value] of new URL(v).searchParams) if (["code", "state"].includes(k)) secrets.push(value);
    const tokenRes = await postForm(o.app, "/token", { grant_type: "authorization_code", code, redirect_uri: CB, code_verifier: verifier, client_id: web.client.id });
    expect(tokenRes.status).toBe(200);
    const first = (await tokenRes.json()) as { access_token: string; refresh_token: string };
    secrets.push(first.access_token, first.refresh_token);

    // Refresh, then replay the spent token: reuse detected.
    const refreshed = await postForm(o.app, "/token", { grant_type: "refresh_token", refresh_token: first.refresh_token, client_id: web.client.id });
    expect(refreshed.status).toBe(200);
    const second = (await refreshed.json()) as { access_token: string; refresh_token: string };
    secrets.push(second.access_token, second.refresh_token);
    await new Promise((r) => setTimeout(r, 1100)); // past the (zero) grace, in whole seconds
    const replay = await postForm(o.app, "/token", { grant_type: "refresh_token", refresh_token: first.refresh_token, client_id: web.client.id });
    expect(replay.status).toBe(400);

    // Token exchange with a platform credential.
    const exchanged = await exchange({ ...o.t, app: o.app }, { id: bot.client.id, secret: bot.secret! }, "github", "gho_octocat_log_probe");
    expect(exchanged.status).toBe(200);
    secrets.push(((await exchanged.json()) as { access_token: string }).access_token);

    const all = o.lines.join("\n");
    expect(o.lines.length).toBeGreaterThanOrEqual(8);
    for (const s of secrets) {
      expect(all, `a log line carries ${s.slice(0, 12)}…`).not.toContain(s);
      // JWTs and opaque tokens also never appear in part (a signature, a payload).
      for (const part of s.split(".").filter((p) => p.length >= 16)) expect(all).not.toContain(part);
    }
    expect(all).not.toMatch(/\?[a-z_]+=/); // no query string at all

    const records = o.records();
    expect(records).toContainEqual(expect.objectContaining({ msg: "request", route: "/auth/:provider/callback", status: 302 }));
    expect(records).toContainEqual(expect.objectContaining({ level: "warn", msg: expect.stringMatching(/refresh token reuse detected/), client_id: web.client.id }));
    const text = await o.scrape();
    expect(sample(text, "authbridge_refresh_reuse_detected_total")).toBe(1);
    expect(sample(text, 'authbridge_tokens_issued_total{grant="authorization_code"}')).toBe(1);
    expect(sample(text, 'authbridge_tokens_issued_total{grant="refresh_token"}')).toBe(1);
    expect(sample(text, 'authbridge_tokens_issued_total{grant="urn:ietf:params:oauth:grant-type:token-exchange"}')).toBe(1);
  });
});
