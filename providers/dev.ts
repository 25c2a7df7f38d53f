/**
 * The `dev` connector: a local identity picker, enabled only with AUTHBRIDGE_DEV_LOGIN on a localhost
 * issuer. `start` shows the picker page it was given (src/ui renders it; this module only parses what the
 * page posts), which POSTs to the callback carrying the flow's `state`, so it goes through the same
 * flow-cookie and state checks as real providers. The identity is `provider: "dev"` with the facts of the
 * impersonated platform; its subject is prefixed with that platform so that dev identities of different
 * platforms never collide.
 */
import type { Context } from "hono";
import { z } from "zod";
import { ProviderRejectedError, type CallbackInput, type ExternalIdentity, type FlowSecrets, type PlatformId, type Provider, type ProviderFacts } from "../src/domain";

const list = (s: string | undefined) =>
  (s ?? "")
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

/** Platforms the picker can impersonate (those whose facts it has fields for). */
const IMPERSONATED = ["github", "discord", "slack"] as const satisfies readonly PlatformId[];

const Form = z.object({
  impersonate: z.enum(IMPERSONATED),
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

/** Constructor options of {@link DevProvider}. */
export interface DevOptions {
  issuer: string;
  /** Renders the picker: a form POSTing `state` and the fields above to `action`. */
  page(c: Context, opts: { action: string; state: string }): Response | Promise<Response>;
}

/**
 * The dev identity picker.
 * @example new DevProvider({ issuer: "http://localhost:8787", page: devLoginPage })
 */
export class DevProvider implements Provider {
  readonly id = "dev" as const;
  readonly label = "Dev login";
  readonly #opts: DevOptions;

  constructor(opts: DevOptions) {
    this.#opts = opts;
  }

  start(c: Context, flow: FlowSecrets): Response | Promise<Response> {
    return this.#opts.page(c, { action: `${this.#opts.issuer}/auth/dev/callback`, state: flow.state });
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
