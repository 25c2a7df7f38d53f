/**
 * The console's forms that show a secret once — register an app, reset its secret, create a key — can be
 * sent once: a reload that re-sends one is told so (409) and nothing is created or reset again, so the
 * secret on the first answer stays the one that works.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listClients } from "../../src/clients/registry";
import type { TestApp } from "../support/app";
import type { FakeBrowser } from "../support/fakes";
import { postForm } from "../support/oauth";
import { clientIdIn, developerWorld, onceFor, secretIn, send } from "./developer-support";
import { ISSUER } from "./support";

let t: TestApp;
let dana: FakeBrowser;
let csrf: string;
beforeAll(async () => {
  ({ t, dana, csrf } = await developerWorld());
});
afterAll(() => t?.close());

const API = "https://api.example.com";
const APP = { kind: "confidential", grant: "client_credentials", scope: "repos:read", audiences: API };
const works = async (id: string, secret: string) =>
  (await postForm(t.app, "/token", { grant_type: "client_credentials", resource: API }, { id, secret })).status === 200;

describe("forms that show a secret once", () => {
  it("registering: the same form again is 409 and registers no second app", async () => {
    const once = await onceFor(dana, "/console/apps");
    expect(once).toBeTruthy();
    const first = await send(dana, "/console/apps", { name: "Once", ...APP }, { csrf, once: once! });
    expect(first.status).toBe(200);
    const count = (await listClients(t.deps.db)).length;
    const again = await send(dana, "/console/apps", { name: "Once", ...APP }, { csrf, once: once! });
    expect(again.status).toBe(409);
    expect(again.html).toContain("This form was already sent");
    expect(again.html).not.toContain("client-secret");
    expect((await listClients(t.deps.db)).length).toBe(count);
    // Without a token, or with a made-up one: the same.
    expect((await send(dana, "/console/apps", { name: "Once", ...APP }, { csrf, once: null })).status).toBe(409);
    expect((await send(dana, "/console/apps", { name: "Once", ...APP }, { csrf, once: "AAAAAAAAAAAAAAAAAAAAAA" })).status).toBe(409);
    expect((await listClients(t.deps.db)).length).toBe(count);
  });

  it("resetting a secret: the same form again is 409 and the secret shown first keeps working", async () => {
    const reg = await send(dana, "/console/apps", { name: "Reset once", ...APP }, { csrf });
    const id = clientIdIn(reg.html);
    const path = `/console/apps/${id}/reset-secret`;
    const once = await onceFor(dana, path);
    const reset = await send(dana, path, {}, { csrf, once: once! });
    expect(reset.status).toBe(200);
    const secret = secretIn(reset.html, "client-secret");
    const again = await send(dana, path, {}, { csrf, once: once! });
    expect(again.status).toBe(409);
    expect(await works(id, secret)).toBe(true);
  });

  it("creating a key: the same form again is 409 and creates no second key", async () => {
    const once = await onceFor(dana, "/console/keys");
    const first = await send(dana, "/console/keys", { name: "ci", expires: "never" }, { csrf, once: once! });
    expect(first.status).toBe(200);
    const listed = (html: string) => (html.match(/data-key-id="key_/g) ?? []).length;
    const again = await send(dana, "/console/keys", { name: "ci", expires: "never" }, { csrf, once: once! });
    expect(again.status).toBe(409);
    expect(again.html).not.toMatch(/abk_[A-Za-z0-9]{20,}/);
    const page = await send(dana, "/console/keys", { name: "other", expires: "never" }, { csrf });
    expect(page.status).toBe(200);
    // Two keys: the first sending and the fresh form, none from the repeat.
    const keys = await dana.request(`${ISSUER}/console/keys`);
    expect(listed(await keys.text())).toBe(2);
  });
});
