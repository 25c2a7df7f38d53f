import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../src/config";
import { generateSecret } from "../src/lib/secret";

const secret = generateSecret();

function problemsOf(env: Record<string, string>, runtime: "node" | "workers" = "node"): string[] {
  try {
    parseConfig(env, runtime);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("configuration", () => {
  it("uses the embedded defaults on Node and says so", () => {
    const c = parseConfig({ AUTHBRIDGE_SECRET: secret }, "node");
    expect(c.issuer).toBe("http://localhost:8787");
    expect(c.audience).toBe(c.issuer);
    expect(c.databaseUrl).toBe("file:./.data/authbridge.db");
    expect(c.upstash).toBeUndefined();
    expect(c.accessTokenTtl).toBe(600);
    expect(c.refreshReuseGrace).toBe(10);
    expect(c.signingAlg).toBe("EdDSA");
    expect(c.defaultsInUse).toHaveLength(2);
    expect(c.defaultsInUse.join("\n")).toMatch(/DATABASE_URL/);
    expect(c.defaultsInUse.join("\n")).toMatch(/UPSTASH_REDIS_REST_URL/);
  });

  it("names a bad DATABASE_URL", () => {
    expect(problemsOf({ AUTHBRIDGE_SECRET: secret, DATABASE_URL: "ftp://x" })).toEqual([
      expect.stringMatching(/^DATABASE_URL: /),
    ]);
  });

  it("names every bad variable at once and never echoes a secret", () => {
    const shortSecret = "c2hvcnQtc2VjcmV0";
    const problems = problemsOf({
      AUTHBRIDGE_ISSUER: "https://auth.example.com",
      AUTHBRIDGE_SECRET: shortSecret,
      ACCESS_TOKEN_TTL: "ten",
      UPSTASH_REDIS_REST_URL: "redis://nope",
    });
    const names = problems.map((p) => p.split(":")[0]);
    expect(names).toEqual(expect.arrayContaining(["AUTHBRIDGE_SECRET", "ACCESS_TOKEN_TTL", "UPSTASH_REDIS_REST_URL"]));
    expect(problems.join("\n")).not.toContain(shortSecret);
  });

  it("requires a secret and https for a public issuer", () => {
    expect(problemsOf({ AUTHBRIDGE_ISSUER: "https://auth.example.com" })).toEqual([
      expect.stringMatching(/^AUTHBRIDGE_SECRET: required/),
    ]);
    expect(problemsOf({ AUTHBRIDGE_ISSUER: "http://auth.example.com", AUTHBRIDGE_SECRET: secret })).toEqual([
      expect.stringMatching(/^AUTHBRIDGE_ISSUER: must be https/),
    ]);
  });

  it("accepts hex and base64url secrets of 32 bytes, refuses 31", () => {
    expect(problemsOf({ AUTHBRIDGE_SECRET: "ab".repeat(32) })).toEqual([]);
    expect(problemsOf({ AUTHBRIDGE_SECRET: "ab".repeat(31) })).toEqual([expect.stringMatching(/^AUTHBRIDGE_SECRET/)]);
  });

  it("refuses the dev login on a public issuer", () => {
    const problems = problemsOf({ AUTHBRIDGE_ISSUER: "https://auth.example.com", AUTHBRIDGE_SECRET: secret, AUTHBRIDGE_DEV_LOGIN: "1" });
    expect(problems).toEqual([expect.stringMatching(/^AUTHBRIDGE_DEV_LOGIN/)]);
  });

  it("requires the remote database and Upstash on Workers", () => {
    const names = problemsOf({ AUTHBRIDGE_SECRET: secret }, "workers").map((p) => p.split(":")[0]);
    expect(names).toEqual(["DATABASE_URL", "UPSTASH_REDIS_REST_URL"]);
    expect(problemsOf({ AUTHBRIDGE_SECRET: secret, DATABASE_URL: "file:x.db", UPSTASH_REDIS_REST_URL: "http://127.0.0.1:1", UPSTASH_REDIS_REST_TOKEN: "t" }, "workers")).toEqual([
      expect.stringMatching(/^DATABASE_URL: file: databases/),
    ]);
  });

  it("wants provider credentials in pairs and bounded durations", () => {
    const names = problemsOf({ AUTHBRIDGE_SECRET: secret, GITHUB_CLIENT_ID: "x", REFRESH_IDLE_TTL: "99999999" }).map((p) => p.split(":")[0]);
    expect(names).toEqual(expect.arrayContaining(["GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET", "REFRESH_IDLE_TTL"]));
  });
});

describe("rules document in configuration", () => {
  it("is validated with the rest, each problem named under AUTHBRIDGE_RULES", () => {
    const rules = JSON.stringify({ roles: {}, rules: [{ when: { provider: "gitlab" }, grant: ["role:nope"] }] });
    const problems = problemsOf({ AUTHBRIDGE_SECRET: secret, AUTHBRIDGE_RULES: rules });
    expect(problems.length).toBeGreaterThanOrEqual(2);
    for (const p of problems) expect(p).toMatch(/^AUTHBRIDGE_RULES: \$\.rules\[0\]/);
    expect(problemsOf({ AUTHBRIDGE_SECRET: secret, AUTHBRIDGE_RULES: "{not json" })).toEqual([expect.stringMatching(/^AUTHBRIDGE_RULES: \$: not valid JSON/)]);
  });
});
