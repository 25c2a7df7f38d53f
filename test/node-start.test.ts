import { afterAll, describe, expect, it } from "vitest";
import { runNodeServerToExit, startNodeServer } from "./support/node-server";
import { freePort, tempDir } from "./support/temp";

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
    const first = await startNodeServer({ cwd, env: { LOG_FORMAT: "text" } });
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

    const second = await startNodeServer({ cwd, env: { LOG_FORMAT: "text" } });
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

describe("npm start tells the operator what to do", () => {
  it("prints each enabled platform's callback URL, and warns about typos and a server nobody can sign in to", async () => {
    const port = await freePort();
    const server = await startNodeServer({ cwd: freshDir(), port, env: { GITHUB_CLIENT_ID: "gh-id", GITHUB_CLIENT_SECRET: "gh-secret", SLACK_CLIENT_ID: "sl-id", SLACK_CLIENT_SECRET: "sl-secret", AUTHBRIDGE_ISSEUR: "x", LOG_FORMAT: "text" } });
    const output = server.output();
    await server.stop();
    expect(output).toContain(`http://localhost:${port}/auth/github/callback`);
    expect(output).toContain(`http://localhost:${port}/auth/slack/callback`);
    expect(output).not.toContain("/auth/discord/callback");
    expect(output).toMatch(/warn: AUTHBRIDGE_ISSEUR: not a variable authbridge reads.*did you mean AUTHBRIDGE_ISSUER/);
    expect(output).not.toMatch(/no way to sign in/);
    for (const secret of ["gh-secret", "sl-secret"]) expect(output).not.toContain(secret);
  });

  it("logs JSON lines when not on a terminal, one per request, without the query string", async () => {
    const server = await startNodeServer({ cwd: freshDir(), env: { AUTHBRIDGE_DEV_LOGIN: "1" } });
    try {
      expect((await fetch(`${server.url}/healthz?code=sekrit-code`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 200)); // lines are written once per event-loop turn
    } finally {
      await server.stop();
    }
    const lines = server.output().trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(expect.objectContaining({ level: "info", msg: "request", method: "GET", route: "/healthz", status: 200 }));
    expect(server.output()).not.toContain("sekrit-code");
  });

  it("a busy port is one clear line and a non-zero exit, not a stack trace", async () => {
    const { createServer } = await import("node:net");
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((r) => blocker.listen(port, "127.0.0.1", () => r()));
    try {
      const { code, output } = await runNodeServerToExit({ cwd: freshDir(), env: { PORT: String(port), LOG_FORMAT: "text" } });
      expect(code).not.toBe(0);
      expect(output).toMatch(new RegExp(`error: cannot listen on 127\\.0\\.0\\.1 port ${port}: the port is in use`));
      expect(output).not.toMatch(/^\s+at /m);
      expect(output).not.toMatch(/listening on/);
    } finally {
      blocker.close();
    }
  });

  it("names every problem at once, a missing rules file with the rest", async () => {
    const { code, output } = await runNodeServerToExit({ cwd: freshDir(), env: { AUTHBRIDGE_RULES_FILE: "./nope.json", AUTHBRIDGE_ISSUER: "auth.example.com", GITHUB_CLIENT_ID: "x" } });
    expect(code).not.toBe(0);
    expect(output).toMatch(/AUTHBRIDGE_RULES_FILE: cannot read \.\/nope\.json: no such file/);
    expect(output).toMatch(/AUTHBRIDGE_ISSUER: must be an http\(s\) URL/);
    expect(output).toMatch(/GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET: set both or neither/);
  });
});
