/**
 * SECURITY.md "Dev login listens on loopback only", and the issuer default on Node: the real server
 * (`src/node.ts`) is started and probed from this machine's own non-loopback address.
 */
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config";
import { generateSecret } from "../../src/lib/secret";
import { startNodeServer } from "../support/node-server";
import { freePort, tempDir } from "../support/temp";

const dirs: { remove(): void }[] = [];
afterAll(() => dirs.forEach((d) => d.remove()));
function freshDir(): string {
  const d = tempDir("authbridge-listen-");
  dirs.push(d);
  return d.path;
}

/** A non-loopback IPv4 address of this machine, if it has one. */
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === "IPv4" && !i.internal)?.address;

/** True when a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}

const listenLine = (output: string) => /listening on (\S+) port (\d+)/.exec(output);

describe("where the Node server listens", () => {
  it("with the dev login on and HOST unset, listens on loopback only", async () => {
    const port = await freePort();
    const server = await startNodeServer({ cwd: freshDir(), port, env: { AUTHBRIDGE_DEV_LOGIN: "1" } });
    try {
      expect(await accepts("127.0.0.1", port)).toBe(true);
      // Probed from this machine's own LAN address; without one, the address the server reports counts.
      if (lanAddress) expect(await accepts(lanAddress, port)).toBe(false);
      expect(listenLine(server.output())?.[1]).toBe("127.0.0.1");
    } finally {
      await server.stop();
    }
  });

  it("listens where HOST says when the dev login is off", async () => {
    const port = await freePort();
    const server = await startNodeServer({ cwd: freshDir(), port, env: { HOST: "0.0.0.0" } });
    try {
      if (lanAddress) expect(await accepts(lanAddress, port)).toBe(true);
      expect(listenLine(server.output())?.[1]).toBe("0.0.0.0");
    } finally {
      await server.stop();
    }
  });

  it("names PORT in the issuer when AUTHBRIDGE_ISSUER is unset", async () => {
    const port = await freePort();
    const server = await startNodeServer({ cwd: freshDir(), port });
    try {
      const res = await fetch(`${server.url}/.well-known/oauth-authorization-server`);
      const meta = (await res.json()) as { issuer: string; token_endpoint: string };
      expect(meta.issuer).toBe(`http://localhost:${port}`);
      expect(meta.token_endpoint).toBe(`http://localhost:${port}/token`);
    } finally {
      await server.stop();
    }
  });
});

describe("HOST and issuer configuration", () => {
  const secret = generateSecret();
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      parseConfig(env, "node");
      return [];
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
  };

  it("defaults HOST to loopback for a local issuer, to every interface for a public one", () => {
    expect(parseConfig({ AUTHBRIDGE_SECRET: secret }, "node").host).toBe("127.0.0.1");
    expect(parseConfig({ AUTHBRIDGE_SECRET: secret, AUTHBRIDGE_ISSUER: "https://auth.example.com" }, "node").host).toBeUndefined();
    expect(parseConfig({ AUTHBRIDGE_SECRET: secret, AUTHBRIDGE_ISSUER: "https://auth.example.com", HOST: "10.0.0.5" }, "node").host).toBe("10.0.0.5");
  });

  it("refuses a non-loopback HOST with the dev login, naming the variable", () => {
    expect(problemsOf({ AUTHBRIDGE_SECRET: secret, AUTHBRIDGE_DEV_LOGIN: "1", HOST: "0.0.0.0" })).toEqual([expect.stringMatching(/^HOST: /)]);
    expect(problemsOf({ AUTHBRIDGE_SECRET: secret, AUTHBRIDGE_DEV_LOGIN: "1", HOST: "::1" })).toEqual([]);
    expect(problemsOf({ AUTHBRIDGE_SECRET: secret, HOST: "not a host!" })).toEqual([expect.stringMatching(/^HOST: /)]);
  });

  it("takes the issuer's port from PORT on Node only, and an explicit issuer wins", () => {
    expect(parseConfig({ AUTHBRIDGE_SECRET: secret, PORT: "9911" }, "node").issuer).toBe("http://localhost:9911");
    expect(parseConfig({ AUTHBRIDGE_SECRET: secret, PORT: "9911", AUTHBRIDGE_ISSUER: "http://localhost:8787" }, "node").issuer).toBe("http://localhost:8787");
  });
});
