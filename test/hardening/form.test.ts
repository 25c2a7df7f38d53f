/**
 * Form bodies at the OAuth endpoints: every parameter at most once (RFC 6749 §3.1), also when one of the
 * occurrences is empty; `resource` may repeat (RFC 8707). And `readForm` bounds what it reads on its own,
 * without the app-wide body limit in front of it.
 */
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/clients/registry";
import { OAuthError } from "../../src/errors";
import { MAX_FORM_BYTES, readForm } from "../../src/oauth/form";
import { createTestApp, type TestApp } from "../support/app";

let t: TestApp;
let basic: string;

beforeAll(async () => {
  t = await createTestApp({ env: { AUTHBRIDGE_AUDIENCE: "https://api.example.com" } });
  const { client, secret } = await createClient(t.deps.db, {
    name: "forms",
    scopes: ["invoices:read"],
    audiences: ["https://reports.example.com", "https://billing.example.com"],
  });
  basic = `Basic ${btoa(`${encodeURIComponent(client.id)}:${encodeURIComponent(secret!)}`)}`;
});
afterAll(() => t.close());

function token(body: string): Promise<Response> {
  return Promise.resolve(
    t.app.request("/token", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic }, body }),
  );
}

describe("repeated parameters at /token", () => {
  it.each([
    "grant_type=&grant_type=client_credentials",
    "grant_type=client_credentials&grant_type=",
    "grant_type=client_credentials&grant_type=client_credentials",
    "grant_type=client_credentials&scope=&scope=invoices:read",
    "grant_type=client_credentials&scope=invoices:read&scope=",
    "grant_type=client_credentials&scope=&scope=",
  ])("%s → invalid_request", async (body) => {
    const res = await token(body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_request", error_description: expect.stringMatching(/more than once/) });
  });

  it("a single empty parameter is still treated as omitted", async () => {
    const res = await token("grant_type=client_credentials&scope=");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ scope: "invoices:read" });
  });

  it("resource may repeat: the form is read, and the grant decides (one audience per token)", async () => {
    const res = await token("grant_type=client_credentials&resource=https%3A%2F%2Freports.example.com&resource=https%3A%2F%2Fbilling.example.com");
    expect(await res.json()).toMatchObject({ error: "invalid_target" });
  });
});

describe("readForm on its own", () => {
  // A route that parses a form with no body limit in front of it.
  const bare = new Hono()
    .post("/form", async (c) => c.json((await readForm(c)).params))
    .onError((err, c) => (err instanceof OAuthError ? c.json({ error: err.code, error_description: err.description }, err.status as 400) : c.text("unexpected", 500)));

  /** A 50 MB body that counts how much of it was pulled. */
  function countingBody(total: number) {
    const chunk = new TextEncoder().encode("a".repeat(64 * 1024));
    const seen = { bytes: 0 };
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (seen.bytes >= total) return controller.close();
        seen.bytes += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return { stream, seen };
  }

  it("stops reading a streamed body just past the limit", async () => {
    const { stream, seen } = countingBody(50 * 1024 * 1024);
    const res = await bare.request("/form", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    // What a stream has pulled ahead is at most a couple of chunks past the limit, never the whole body.
    expect(seen.bytes).toBeLessThan(MAX_FORM_BYTES + 4 * 64 * 1024);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: "invalid_request", error_description: "request body too large" });
  });

  it("refuses a declared Content-Length over the limit without reading", async () => {
    const res = await bare.request("/form", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "content-length": String(MAX_FORM_BYTES + 1) },
      body: "a=b",
    });
    expect(res.status).toBe(413);
  });

  it("reads a body up to the limit, raw UTF-8 included", async () => {
    const value = "é".repeat(8000); // 16,000 bytes of UTF-8
    const res = await bare.request("/form", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `a=${value}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ a: value });
  });
});
