/**
 * The `dev` connector: a local identity picker, enabled only with AUTHBRIDGE_DEV_LOGIN on a localhost
 * issuer. `start` renders a form (hono/html escapes every value) that POSTs to the callback carrying
 * the flow's `state`, so it goes through the same flow-cookie and state checks as real providers. The
 * identity is `provider: "dev"` with the facts of the impersonated platform; its subject is prefixed
 * with that platform so that dev identities of different platforms never collide.
 */
import type { Context } from "hono";
import { html } from "hono/html";
import { z } from "zod";
import { PAGE_HEADERS } from "../src/ui/error-page";
import { ProviderRejectedError, type CallbackInput, type ExternalIdentity, type FlowSecrets, type Provider, type ProviderFacts } from "./provider";

const list = (s: string | undefined) =>
  (s ?? "")
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

const Form = z.object({
  impersonate: z.enum(["github", "discord", "slack"]),
  subject: z.string().trim().min(1).max(100),
  username: z.string().trim().min(1).max(100),
  email: z.string().trim().max(200).optional(),
  orgs: z.string().max(2000).optional(),
  teams: z.string().max(2000).optional(),
  guilds: z.string().max(2000).optional(),
  /** `guildId:roleId` pairs. */
  roles: z.string().max(2000).optional(),
  team: z.string().trim().max(100).optional(),
  enterprise: z.string().trim().max(100).optional(),
});

function factsOf(f: z.output<typeof Form>): ProviderFacts {
  switch (f.impersonate) {
    case "github":
      return { provider: "github", orgs: list(f.orgs), teams: list(f.teams) };
    case "discord": {
      const roles: Record<string, string[]> = {};
      for (const pair of list(f.roles)) {
        const [guild, role] = pair.split(":");
        if (guild && role) (roles[guild] ??= []).push(role);
      }
      return { provider: "discord", guilds: [...new Set([...list(f.guilds), ...Object.keys(roles)])], roles };
    }
    case "slack":
      return { provider: "slack", team: f.team || "T0001", enterprise: f.enterprise || undefined };
  }
}

/**
 * The dev identity picker.
 * @example new DevProvider({ issuer: "http://localhost:8787" })
 */
/**
 * The picker's form posts to our callback, which answers with a redirect chain ending at the client's
 * redirect URI; browsers apply `form-action` to every hop of that chain, so `'self'` would block the last
 * one. The picker is a localhost-only page; it keeps every other restriction.
 */
const DEV_PAGE_CSP = (PAGE_HEADERS["Content-Security-Policy"] ?? "").replace(/form-action [^;]+;\s*/, "");

export class DevProvider implements Provider {
  readonly id = "dev" as const;
  readonly label = "Dev login";
  readonly #issuer: string;

  constructor(opts: { issuer: string }) {
    this.#issuer = opts.issuer;
  }

  start(c: Context, flow: FlowSecrets): Response | Promise<Response> {
    const action = `${this.#issuer}/auth/dev/callback`;
    const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dev login</title>
<meta name="robots" content="noindex">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.5rem 0}input,select{width:100%}</style>
</head><body>
<h1>Dev login</h1>
<p>Local development only: pick a made-up identity.</p>
<form method="post" action="${action}">
<input type="hidden" name="state" value="${flow.state}">
<label>Platform <select name="impersonate"><option value="github">GitHub</option><option value="discord">Discord</option><option value="slack">Slack</option></select></label>
<label>Subject id <input name="subject" value="1001" required></label>
<label>Username <input name="username" value="dev-user" required></label>
<label>Email (treated as verified) <input name="email" type="email"></label>
<fieldset><legend>GitHub</legend>
<label>Orgs <input name="orgs" placeholder="acme"></label>
<label>Teams <input name="teams" placeholder="acme/platform"></label></fieldset>
<fieldset><legend>Discord</legend>
<label>Guild ids <input name="guilds"></label>
<label>Roles as guild:role <input name="roles"></label></fieldset>
<fieldset><legend>Slack</legend>
<label>Team id <input name="team" placeholder="T0001"></label>
<label>Enterprise id <input name="enterprise"></label></fieldset>
<p><button type="submit">Sign in</button></p>
</form></body></html>`;
    return c.html(page, 200, { ...PAGE_HEADERS, "Content-Security-Policy": DEV_PAGE_CSP });
  }

  async callback(_c: Context, input: CallbackInput): Promise<ExternalIdentity> {
    const parsed = Form.safeParse(Object.fromEntries(input.params));
    if (!parsed.success) throw new ProviderRejectedError("dev", "invalid dev login form", { cause: parsed.error });
    const f = parsed.data;
    const email = f.email || undefined;
    return {
      provider: "dev",
      subject: `${f.impersonate}:${f.subject}`,
      username: f.username,
      email,
      emailVerified: email !== undefined,
      facts: factsOf(f),
    };
  }
}
