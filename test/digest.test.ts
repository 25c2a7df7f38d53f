/** The hot-path digests give the same answers through Node's crypto and through WebCrypto (Workers). */
import { describe, expect, it, vi } from "vitest";

type DigestModule = typeof import("../src/lib/digest");

async function load(withNodeCrypto: boolean): Promise<DigestModule> {
  vi.resetModules();
  const original = process.getBuiltinModule;
  if (!withNodeCrypto) (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
  try {
    return await import("../src/lib/digest");
  } finally {
    process.getBuiltinModule = original;
  }
}

describe("digests", () => {
  it("Node and WebCrypto paths agree, and match known answers", async () => {
    const viaNode = await load(true);
    const viaWeb = await load(false);
    // RFC 4231 test case 2 (HMAC-SHA-256, key "Jefe").
    const rfc = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    for (const m of [viaNode, viaWeb]) {
      expect(await m.sha256Base64Url("abc")).toBe("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
      const key = m.hmacKey(new TextEncoder().encode("Jefe"));
      const mac = await key.sign("what do ya want for nothing?");
      expect(Buffer.from(mac).toString("hex")).toBe(rfc);
      expect(await key.verify(mac, "what do ya want for nothing?")).toBe(true);
      mac[0] = mac[0]! ^ 1;
      expect(await key.verify(mac, "what do ya want for nothing?")).toBe(false);
      expect(await key.verify(mac.slice(0, 16), "what do ya want for nothing?")).toBe(false);
    }
  });
});
