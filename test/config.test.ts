import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, parseDatabaseConfig } from "../src/config";
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

describe("configuration that catches mistakes", () => {
  it("names AUTHBRIDGE_ISSUER when it is not a URL at all", () => {
    expect(problemsOf({ AUTHBRIDGE_SECRET: secret, AUTHBRIDGE_ISSUER: "auth.example.com" })).toEqual([
      expect.stringMatching(/^AUTHBRIDGE_ISSUER: must be an http\(s\) URL/),
    ]);
  });

  it("reports a half-set platform pair together with the other problems", () => {
    const problems = problemsOf({ AUTHBRIDGE_SECRET: secret, ACCESS_TOKEN_TTL: "ten", GITHUB_CLIENT_ID: "x", SLACK_CLIENT_SECRET: "y", UPSTASH_REDIS_REST_TOKEN: "t" });
    const names = problems.map((p) => p.split(":")[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        "ACCESS_TOKEN_TTL",
        "GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET",
        "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET",
        "UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN",
      ]),
    );
  });

  it("names LOG_FORMAT, LOG_LEVEL and a short METRICS_TOKEN, without echoing the token", () => {
    const problems = problemsOf({ AUTHBRIDGE_SECRET: secret, LOG_FORMAT: "yaml", LOG_LEVEL: "loud", METRICS_TOKEN: "short-token" });
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual(["LOG_FORMAT", "LOG_LEVEL", "METRICS_TOKEN"]);
    expect(problems.join("\n")).not.toContain("short-token");
    const c = parseConfig({ AUTHBRIDGE_SECRET: secret, LOG_FORMAT: "json", LOG_LEVEL: "warn", METRICS_TOKEN: "m".repeat(32) }, "node");
    expect(c).toMatchObject({ logFormat: "json", logLevel: "warn", metricsToken: "m".repeat(32) });
    expect(parseConfig({ AUTHBRIDGE_SECRET: secret }, "node")).toMatchObject({ logFormat: undefined, logLevel: "info", metricsToken: undefined });
  });

  it("warns about a misspelt variable, suggesting the right one and listing the known ones", () => {
    const c = parseConfig({ AUTHBRIDGE_SECRET: secret, AUTHBRIDGE_ISSEUR: "https://x", AUTHBRIDGE_DEV_LOGIN: "1" }, "node");
    expect(c.warnings).toEqual([expect.stringMatching(/^AUTHBRIDGE_ISSEUR: not a variable authbridge reads.*did you mean AUTHBRIDGE_ISSUER\?/)]);
    expect(c.warnings[0]).toContain("AUTHBRIDGE_RULES_FILE");
    expect(c.warnings[0]).not.toContain("https://x");
  });

  it("warns about unknown platform variables, but not about the ones GitHub Actions sets", () => {
    const c = parseConfig({ AUTHBRIDGE_SECRET: secret, AUTHBRIDGE_DEV_LOGIN: "1", GITHUB_CLIENTID: "x", DISCORD_SECRET: "y", GITHUB_SHA: "abc", GITHUB_TOKEN: "t" }, "node");
    expect(c.warnings.map((w) => w.split(":")[0])).toEqual(["DISCORD_SECRET", "GITHUB_CLIENTID"]);
    expect(c.warnings[1]).toMatch(/did you mean GITHUB_CLIENT_ID\?/);
  });

  it("warns when nobody can sign in", () => {
    expect(parseConfig({ AUTHBRIDGE_SECRET: secret }, "node").warnings).toEqual([expect.stringMatching(/^no way to sign in/)]);
    expect(parseConfig({ AUTHBRIDGE_SECRET: secret, GITHUB_CLIENT_ID: "i", GITHUB_CLIENT_SECRET: "s" }, "node").warnings).toEqual([]);
  });

  it("warns when rules name a platform that is not configured (bots and GitHub Actions aside)", () => {
    const rules = JSON.stringify({
      roles: {},
      rules: [
        { when: { provider: "github", org: "acme" }, grant: ["a"] },
        { when: { provider: "discord", guild: "1" }, grant: ["b"] },
        { when: { provider: "github-actions", repository: "acme/api" }, grant: ["deploy"] },
        { when: { kind: "bot", provider: "slack", team: "T1" }, grant: ["c"] },
        { when: { provider: "discord", guild: "2" }, grant: ["d"] },
      ],
    });
    const c = parseConfig({ AUTHBRIDGE_SECRET: secret, AUTHBRIDGE_RULES: rules, GITHUB_CLIENT_ID: "i", GITHUB_CLIENT_SECRET: "s" }, "node");
    expect(c.warnings).toEqual([expect.stringMatching(/^AUTHBRIDGE_RULES: \$\.rules\[1\], \$\.rules\[4\] name discord, which is not configured/)]);
  });

  it("does not warn about rules naming GitHub, Discord or Slack while the dev login (which impersonates them) is on", () => {
    const rules = JSON.stringify({
      roles: {},
      rules: [
        { when: { provider: "github", org: "acme" }, grant: ["a"] },
        { when: { provider: "discord", guild: "1" }, grant: ["b"] },
        { when: { provider: "slack", team: "T1" }, grant: ["c"] },
      ],
    });
    expect(parseConfig({ AUTHBRIDGE_SECRET: secret, AUTHBRIDGE_RULES: rules, AUTHBRIDGE_DEV_LOGIN: "1" }, "node").warnings).toEqual([]);
    // Without it, the same rules name three platforms nobody can sign in with.
    const off = parseConfig({ AUTHBRIDGE_SECRET: secret, AUTHBRIDGE_RULES: rules, GITHUB_CLIENT_ID: "i", GITHUB_CLIENT_SECRET: "s" }, "node");
    expect(off.warnings).toEqual([expect.stringMatching(/name discord, which is not configured/), expect.stringMatching(/name slack, which is not configured/)]);
  });

  it("reads only the database variables for migrations", () => {
    expect(parseDatabaseConfig({ DATABASE_URL: "libsql://db.example.turso.io", DATABASE_AUTH_TOKEN: "tok" })).toEqual({
      databaseUrl: "libsql://db.example.turso.io",
      databaseAuthToken: "tok",
    });
    expect(parseDatabaseConfig({}).databaseUrl).toBe("file:./.data/authbridge.db");
    expect(() => parseDatabaseConfig({ DATABASE_URL: "ftp://x" })).toThrow(/DATABASE_URL: must start with/);
  });
});
