import { afterAll, describe, expect, it } from "vitest";
import { runNodeServerToExit, startNodeServer } from "./support/node-server";
import { tempDir } from "./support/temp";

const dirs: { remove(): void }[] = [];
afterAll(() => dirs.forEach((d) => d.remove()));

function freshDir() {
  const d = tempDir("authbridge-start-");
  dirs.push(d);
  return d.path;
}

describe("npm start on embedded defaults", () => {
  it("serves one Ed25519 key, and the same kid after a restart", async () => {
    const cwd = freshDir();
    const first = await startNodeServer({ cwd });
    const output = first.output();
    let jwks: { keys: { kid: string; crv: string; alg: string }[] };
    try {
      const res = await fetch(`${first.url}/.well-known/jwks.json`);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toMatch(/max-age=\d+/);
      jwks = (await res.json()) as typeof jwks;
      expect(jwks.keys).toHaveLength(1);
      expect(jwks.keys[0]).toMatchObject({ crv: "Ed25519", alg: "EdDSA" });
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    } finally {
      await first.stop();
    }
    // One warning line per embedded default, and never the secret itself.
    expect(output).toMatch(/warn: DATABASE_URL unset/);
    expect(output).toMatch(/warn: UPSTASH_REDIS_REST_URL unset/);
    expect(output).toMatch(/warn: AUTHBRIDGE_SECRET unset: using the newly generated dev secret/);
    expect(output).toMatch(/warn: no signing key found/);
    const { readFileSync } = await import("node:fs");
    const secret = readFileSync(`${cwd}/.data/authbridge.secret`, "utf8").trim();
    expect(output).not.toContain(secret);

    const second = await startNodeServer({ cwd });
    try {
      const again = (await (await fetch(`${second.url}/.well-known/jwks.json`)).json()) as typeof jwks;
      expect(again.keys.map((k) => k.kid)).toEqual([jwks.keys[0]!.kid]);
      expect(second.output()).toMatch(/using the kept dev secret/);
      expect(second.output()).not.toMatch(/no signing key found/);
    } finally {
      await second.stop();
    }
  });

  it("exits non-zero before listening on DATABASE_URL=ftp://x, naming the variable", async () => {
    const { code, output } = await runNodeServerToExit({ cwd: freshDir(), env: { DATABASE_URL: "ftp://x" } });
    expect(code).not.toBe(0);
    expect(output).toMatch(/DATABASE_URL: must start with/);
    expect(output).not.toMatch(/listening/);
  });

  it("exits non-zero on a short secret with an https issuer, naming the variable", async () => {
    const { code, output } = await runNodeServerToExit({
      cwd: freshDir(),
      env: { AUTHBRIDGE_ISSUER: "https://auth.example.com", AUTHBRIDGE_SECRET: "dG9vLXNob3J0" },
    });
    expect(code).not.toBe(0);
    expect(output).toMatch(/AUTHBRIDGE_SECRET: must be at least 32 random bytes/);
    expect(output).not.toContain("dG9vLXNob3J0");
    expect(output).not.toMatch(/listening/);
  });

  it("refuses to listen with a secret that cannot open the stored signing keys", async () => {
    const cwd = freshDir();
    const first = await startNodeServer({ cwd });
    await first.stop();
    const { code, output } = await runNodeServerToExit({ cwd, env: { AUTHBRIDGE_SECRET: "ab".repeat(32) } });
    expect(code).not.toBe(0);
    expect(output).toMatch(/AUTHBRIDGE_SECRET: cannot open the stored signing keys/);
    expect(output).not.toMatch(/listening/);
  });
});
