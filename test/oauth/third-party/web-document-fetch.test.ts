/**
 * The metadata-document fetcher over WHATWG `fetch` (what Workers use): redirects refused (the fetch is made
 * with `redirect: "manual"`), a status other than 200 refused, bodies cut off past the bound whether
 * declared or streamed, a deadline over headers and body, and network failures in words.
 */
import { describe, expect, it } from "vitest";
import { webDocumentFetch } from "../../../src/clients/document-fetch";

const LIMITS = { maxBytes: 5120, timeoutMs: 200 };
const URL_ = "https://docs.example.com/client.json";

function stream(chunks: string[], delayMs = 0): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    async pull(controller) {
      const next = chunks.shift();
      if (next === undefined) return controller.close();
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      controller.enqueue(enc.encode(next));
    },
  });
}

describe("webDocumentFetch", () => {
  it("asks without following redirects and returns the body and Cache-Control", async () => {
    let init: RequestInit | undefined;
    const f = webDocumentFetch(async (_url, i) => {
      init = i;
      return new Response('{"client_id":"x"}', { status: 200, headers: { "cache-control": "max-age=60" } });
    });
    expect(await f(URL_, LIMITS)).toEqual({ body: '{"client_id":"x"}', cacheControl: "max-age=60" });
    expect(init?.redirect).toBe("manual");
    expect(new Headers(init?.headers).get("accept")).toBe("application/json");
  });

  it("refuses redirects (plain or opaque) and other statuses", async () => {
    await expect(webDocumentFetch(async () => new Response(null, { status: 302, headers: { location: "http://169.254.169.254/" } }))(URL_, LIMITS)).rejects.toThrow(/redirects are refused/);
    const opaque = Object.assign(new Response(null, { status: 200 }), {}) as Response;
    Object.defineProperty(opaque, "type", { value: "opaqueredirect" });
    Object.defineProperty(opaque, "status", { value: 0 });
    await expect(webDocumentFetch(async () => opaque)(URL_, LIMITS)).rejects.toThrow(/redirects are refused/);
    await expect(webDocumentFetch(async () => new Response("no", { status: 500 }))(URL_, LIMITS)).rejects.toThrow(/answered 500/);
  });

  it("refuses bodies over the bound, declared or streamed", async () => {
    const big = "x".repeat(6000);
    await expect(webDocumentFetch(async () => new Response(big, { headers: { "content-length": "6000" } }))(URL_, LIMITS)).rejects.toThrow(/larger than 5120/);
    await expect(webDocumentFetch(async () => new Response(stream(["x".repeat(3000), "x".repeat(3000)])))(URL_, LIMITS)).rejects.toThrow(/larger than 5120/);
  });

  it("gives up at the deadline, headers or body; network failures are refusals too", async () => {
    const hang = webDocumentFetch((_url, init) => new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason))));
    await expect(hang(URL_, LIMITS)).rejects.toThrow(/did not arrive within 200 ms/);
    const slowBody = webDocumentFetch(async (_url, init) => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("{"));
          init?.signal?.addEventListener("abort", () => controller.error(init.signal!.reason));
        },
      });
      return new Response(body);
    });
    await expect(slowBody(URL_, LIMITS)).rejects.toThrow(/did not arrive within 200 ms/);
    await expect(webDocumentFetch(async () => Promise.reject(new TypeError("fetch failed")))(URL_, LIMITS)).rejects.toThrow(/could not be fetched/);
  });
});
