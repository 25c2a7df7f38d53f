/** The Lua sources and their build-time SHA-1 constants must agree, or EVALSHA would always miss. */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { NEWEST_MARK_LUA, NEWEST_MARK_SHA1 } from "../../src/store/scripts/newest-mark";
import { RESTORE_LUA, RESTORE_SHA1 } from "../../src/store/scripts/restore";
import { REVOKE_LUA, REVOKE_SHA1 } from "../../src/store/scripts/revoke";
import { ROTATE_LUA, ROTATE_SHA1 } from "../../src/store/scripts/rotate";

const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");

describe("Lua script hashes", () => {
  it.each([
    ["rotate", ROTATE_LUA, ROTATE_SHA1],
    ["restore", RESTORE_LUA, RESTORE_SHA1],
    ["revoke", REVOKE_LUA, REVOKE_SHA1],
    ["newest-mark", NEWEST_MARK_LUA, NEWEST_MARK_SHA1],
  ])("%s: constant matches the source", (_name, source, hash) => {
    expect(hash).toMatch(/^[0-9a-f]{40}$/);
    expect(sha1(source)).toBe(hash);
  });
});
