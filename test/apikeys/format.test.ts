/** The API key format: prefix, 256 bits of base62, and a checksum that catches noise offline. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { API_KEY_LENGTH, apiKeyHint, generateApiKey, isWellFormedApiKey } from "../../src/apikeys/format";
import { apiKeyHash } from "../../src/apikeys/hash";
import { decodeSecret, generateSecret } from "../../src/lib/secret";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

describe("API key format", () => {
  it("is abk_ + 49 base62 characters, fresh every time, and passes its own checksum", () => {
    const keys = Array.from({ length: 2000 }, generateApiKey);
    for (const k of keys) {
      expect(k).toMatch(/^abk_[0-9A-Za-z]{49}$/);
      expect(k).toHaveLength(API_KEY_LENGTH);
      expect(isWellFormedApiKey(k)).toBe(true);
    }
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("draws every base62 digit about equally often (no modulo bias toward the first digits)", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) for (const ch of generateApiKey().slice(4, 47)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    const expected = (3000 * 43) / 62;
    expect(counts.size).toBe(62);
    for (const n of counts.values()) expect(Math.abs(n - expected) / expected).toBeLessThan(0.12);
  });

  it("refuses any single-character change, any truncation and anything that is not a key", () => {
    const key = generateApiKey();
    fc.assert(
      fc.property(fc.integer({ min: 4, max: API_KEY_LENGTH - 1 }), fc.constantFrom(...BASE62), (i, ch) => {
        fc.pre(key[i] !== ch);
        return !isWellFormedApiKey(key.slice(0, i) + ch + key.slice(i + 1));
      }),
      { numRuns: 2000 },
    );
    expect(isWellFormedApiKey(key.slice(0, -1))).toBe(false);
    expect(isWellFormedApiKey(`${key}0`)).toBe(false);
    expect(isWellFormedApiKey(key.replace("abk_", "abx_"))).toBe(false);
    expect(isWellFormedApiKey("abk_" + "0".repeat(49))).toBe(false);
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => !isWellFormedApiKey(`abk_${s}`)));
  });

  it("is stored as a keyed hash: the same key under another secret hashes differently; the hint hides the key", async () => {
    const key = generateApiKey();
    const a = decodeSecret(generateSecret())!;
    const b = decodeSecret(generateSecret())!;
    expect(await apiKeyHash(a, key)).toBe(await apiKeyHash(a, key));
    expect(await apiKeyHash(a, key)).not.toBe(await apiKeyHash(b, key));
    expect(await apiKeyHash(a, key)).not.toContain(key.slice(4));
    const hint = apiKeyHint(key);
    expect(hint).toMatch(/^abk_.{4}….{4}$/);
  });
});
