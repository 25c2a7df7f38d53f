/**
 * Child-process entry: OpenAuth's issuer (0.4.3) with its memory storage, one provider that signs the
 * person in at once (what its password or code UI would end with) and accepts one client's credentials for
 * client_credentials. Its access tokens are ES256 JWTs (the only algorithm it has); its refresh tokens
 * rotate with a 10 s reuse window, like ours. It logs every request through hono's logger, as it ships;
 * its output goes nowhere. Refresh tokens are seeded through its authorization-code flow with PKCE.
 *
 * Requests: `issue` {count} → refresh tokens; `stats` → { cpuMicros }.
 */
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { issuer } from "@openauthjs/openauth";
import type { Provider } from "@openauthjs/openauth/provider/provider";
import { MemoryStorage } from "@openauthjs/openauth/storage/memory";
import { createSubjects } from "@openauthjs/openauth/subject";
import { z } from "zod";
import { serveChild } from "../child";
import { codeFrom, peerOps, pkcePair, refreshTokenOf } from "./code-flow";

const REDIRECT = "http://127.0.0.1/cb";
const ACCOUNT = "user-1";

async function main(): Promise<void> {
  const clientSecret = randomBytes(32).toString("base64url");
  const subjects = createSubjects({ user: z.object({ id: z.string() }) });
  const bench: Provider<{ id: string }> = {
    type: "bench",
    init(route, ctx) {
      route.get("/authorize", (c) => ctx.success(c, { id: ACCOUNT }));
    },
    async client({ clientID, clientSecret: presented }) {
      if (clientID !== "bench" || presented !== clientSecret) throw new Error("invalid client");
      return { id: clientID };
    },
  };
  const app = issuer({
    subjects,
    storage: MemoryStorage(),
    providers: { bench },
    ttl: { access: 600, refresh: 30 * 86400, reuse: 10 },
    success: async (ctx, value) => ctx.subject("user", { id: value.id }),
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  /** One refresh token through the authorization-code flow with PKCE. */
  async function seed(): Promise<string> {
    const { verifier, challenge } = pkcePair();
    const q = new URLSearchParams({ client_id: "bench", response_type: "code", redirect_uri: REDIRECT, provider: "bench", code_challenge: challenge, code_challenge_method: "S256" });
    const code = await codeFrom(`${url}/authorize?${q}`, REDIRECT);
    return refreshTokenOf(
      await fetch(`${url}/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: REDIRECT, client_id: "bench", code_verifier: verifier }).toString(),
      }),
    );
  }

  serveChild(
    { url, clientId: "bench", clientSecret, jwksUrl: `${url}/.well-known/jwks.json` },
    peerOps(seed),
    async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  );
}

main().catch((err: unknown) => {
  console.error("OpenAuth peer failed:", err);
  process.exit(1);
});
