/**
 * What each CLI command accepts, and its help text. Deliberately free of heavy imports: `--help` and
 * argument errors are answered from this file alone, before anything opens a database.
 */

/** One option of a command. */
export interface OptionSpec {
  type: "string" | "boolean";
  /** May be given more than once (values collected in order). */
  multiple?: boolean;
  required?: boolean;
  /** Placeholder in the usage line (`--name NAME`). */
  value?: string;
  description: string;
}

/** One command. */
export interface CommandSpec {
  /** As typed: `migrate`, `clients create`. */
  name: string;
  summary: string;
  /** Positional arguments, all required, in order. */
  positionals: { name: string; description: string }[];
  options: Record<string, OptionSpec>;
  /** What it prints on success. */
  prints: string;
  /**
   * What it opens: only the database (reading DATABASE_URL and DATABASE_AUTH_TOKEN alone); the database
   * and AUTHBRIDGE_SECRET (what hashing an API key needs, nothing of the state store); or everything the
   * server uses (the full configuration, the state store and the signing keys).
   */
  needs: "database" | "secret" | "everything";
}

const GRANTS = "authorization_code, refresh_token, client_credentials, urn:ietf:params:oauth:grant-type:token-exchange";

/** The fields of the management API's client, never a secret or its hash. */
const CLIENT_FIELDS =
  '"client_id", "name", "public", "grants", "scopes", "redirect_uris", "audiences", "introspect_audiences", "owner_account_id", "created_at", "disabled_at", "id_token_signed_response_alg", "userinfo_signed_response_alg", "post_logout_redirect_uris"';

/** What the client commands print. */
const CLIENT_JSON = `{ ${CLIENT_FIELDS} }`;

const ALGS = "RS256, EdDSA or ES256";

/** Every command, in the order help lists them. */
export const COMMANDS: CommandSpec[] = [
  {
    name: "migrate",
    summary: "apply the database migrations to DATABASE_URL",
    positionals: [],
    options: {},
    prints: '{ "migrated": true }',
    needs: "database",
  },
  {
    name: "keys rotate",
    summary: "make a new current signing key; older keys stay published until their tokens expire",
    positionals: [],
    options: {},
    prints: '{ "current": KID, "published": [KID, …] }',
    needs: "everything",
  },
  {
    name: "clients create",
    summary: "register a client; a confidential client's secret is shown once",
    positionals: [],
    options: {
      name: { type: "string", required: true, value: "NAME", description: "display name" },
      scopes: { type: "string", value: '"A B"', description: "scopes the client may be given, space-separated" },
      "redirect-uri": { type: "string", multiple: true, value: "URI", description: "a redirect URI, matched exactly (repeatable)" },
      public: { type: "boolean", description: "a public client (no secret: browser and native apps, with PKCE)" },
      grant: { type: "string", multiple: true, value: "GRANT", description: `a grant type (repeatable): ${GRANTS}` },
      audience: { type: "string", multiple: true, value: "AUDIENCE", description: "an audience the client may ask tokens for (repeatable)" },
      introspect: { type: "string", multiple: true, value: "AUDIENCE", description: "may introspect tokens issued for AUDIENCE: a resource server (repeatable)" },
      "id-token-alg": { type: "string", value: "ALG", description: "OpenID Connect: sign its ID tokens with RS256 (the default), EdDSA or ES256" },
      "userinfo-alg": { type: "string", value: "ALG", description: `OpenID Connect: UserInfo answers it a JWT signed with ALG (${ALGS}) instead of JSON (the default)` },
      "post-logout-redirect-uri": {
        type: "string",
        multiple: true,
        value: "URI",
        description: "OpenID Connect: where logout may send the person back to, matched exactly (repeatable)",
      },
    },
    prints: `{ ${CLIENT_FIELDS}, "client_secret"? }`,
    needs: "database",
  },
  {
    name: "clients list",
    summary: "list every client (never a secret)",
    positionals: [],
    options: {},
    prints: "[ { client_id, name, … } ]",
    needs: "database",
  },
  {
    name: "clients show",
    summary: "show one client and who owns it (never a secret or its hash)",
    positionals: [{ name: "CLIENT_ID", description: "the client" }],
    options: {},
    prints: CLIENT_JSON,
    needs: "database",
  },
  {
    name: "clients update",
    summary: "change a client's name, scopes, redirect URIs, audiences, grants, introspection or OpenID Connect settings (a list option replaces the list)",
    positionals: [{ name: "CLIENT_ID", description: "the client to change" }],
    options: {
      name: { type: "string", value: "NAME", description: "new display name" },
      scopes: {
        type: "string",
        value: '"A B"',
        description: 'the scopes it may be given, space-separated, replacing the list; "" lifts the restriction (its users\' entitlements alone decide)',
      },
      "redirect-uri": { type: "string", multiple: true, value: "URI", description: 'a redirect URI (repeatable; the given ones replace the list; "" alone empties it)' },
      audience: { type: "string", multiple: true, value: "AUDIENCE", description: 'an audience it may ask tokens for (repeatable; replaces the list; "" alone empties it)' },
      grant: { type: "string", multiple: true, value: "GRANT", description: `a grant type (repeatable; replaces the list): ${GRANTS}` },
      introspect: { type: "string", multiple: true, value: "AUDIENCE", description: 'may introspect tokens issued for AUDIENCE (repeatable; replaces the list; "" alone empties it)' },
      "id-token-alg": { type: "string", value: "ALG", description: `OpenID Connect: sign its ID tokens with ${ALGS}; "" goes back to the default, RS256` },
      "userinfo-alg": { type: "string", value: "ALG", description: `OpenID Connect: UserInfo answers it a JWT signed with ALG (${ALGS}); "" goes back to JSON` },
      "post-logout-redirect-uri": {
        type: "string",
        multiple: true,
        value: "URI",
        description: 'OpenID Connect: where logout may send the person back to (repeatable; replaces the list; "" alone empties it)',
      },
    },
    prints: `${CLIENT_JSON}, as changed (the result must pass the rules of clients create)`,
    needs: "database",
  },
  {
    name: "clients disable",
    summary: "disable a client: its live access tokens and its API keys stop at once",
    positionals: [{ name: "CLIENT_ID", description: "the client to disable" }],
    options: {},
    prints: `${CLIENT_JSON}, with disabled_at`,
    needs: "everything",
  },
  {
    name: "clients enable",
    summary: "enable a disabled client again (tokens and API keys revoked by the disable stay revoked)",
    positionals: [{ name: "CLIENT_ID", description: "the client to enable" }],
    options: {},
    prints: `${CLIENT_JSON}, with disabled_at null`,
    needs: "database",
  },
  {
    name: "clients rotate-secret",
    summary: "give a confidential client a new secret; the old one stops working at once",
    positionals: [{ name: "CLIENT_ID", description: "the client" }],
    options: {},
    prints: '{ "client_id", "client_secret" }',
    needs: "database",
  },
  {
    name: "clients delete",
    summary: "delete a client and its API keys; its tokens and its keys' tokens stop at once (audit rows stay)",
    positionals: [{ name: "CLIENT_ID", description: "the client to delete" }],
    options: {},
    prints: '{ "client_id", "deleted": true, "api_keys_deleted": [KEY_ID, …] }',
    needs: "everything",
  },
  {
    name: "accounts list",
    summary: "list accounts, newest first; search by account id, platform username or display name",
    positionals: [],
    options: {
      query: { type: "string", value: "TEXT", description: "an account id (exact), or part of a platform username or display name (any case)" },
      limit: { type: "string", value: "N", description: "at most N accounts (1 to 200; default 50)" },
      before: { type: "string", value: "CURSOR", description: 'the next page: the "next" of the previous answer' },
    },
    prints: '{ "items": [ { "id", "kind", "display_name", "blocked_at", "identities", … } ], "next"? }',
    needs: "database",
  },
  {
    name: "accounts show",
    summary: "show an account: identities, entitlements with the rule behind each, sessions, whether it is blocked",
    positionals: [{ name: "ACCOUNT_ID", description: "the account" }],
    options: {},
    prints: '{ "id", "blocked", "identities", "entitlements": { "scopes": [ { "scope", "held", "granted_by" } ], "roles" }, "sessions", … }',
    // The explanation evaluates the server's rules document, which is part of its configuration.
    needs: "everything",
  },
  {
    name: "accounts block",
    summary: "block an account: every session, token and API key it holds stops at once",
    positionals: [{ name: "ACCOUNT_ID", description: "the account to block" }],
    options: {},
    prints: '{ "account_id", "blocked_at" }',
    needs: "everything",
  },
  {
    name: "accounts unblock",
    summary: "let a blocked account sign in again (what was revoked stays revoked)",
    positionals: [{ name: "ACCOUNT_ID", description: "the account to unblock" }],
    options: {},
    prints: '{ "account_id", "blocked": false }',
    needs: "everything",
  },
  {
    name: "audit list",
    summary: "read the audit log, newest first: who did what to which client, account or key",
    positionals: [],
    options: {
      type: { type: "string", value: "TYPE", description: "only events of this type, e.g. account.blocked, client.updated, client.deleted" },
      account: { type: "string", value: "ACCOUNT_ID", description: "only events about this account or done by it" },
      client: { type: "string", value: "CLIENT_ID", description: "only events about this client or done by it" },
      since: { type: "string", value: "TIME", description: "from this time on: ISO 8601, e.g. 2026-01-31T12:00:00Z or 2026-01-31 (UTC)" },
      until: { type: "string", value: "TIME", description: "before this time (same format)" },
      limit: { type: "string", value: "N", description: "at most N events (1 to 200; default 50)" },
      before: { type: "string", value: "CURSOR", description: 'the next (older) page: the "next" of the previous answer' },
    },
    prints: '{ "items": [ { "id", "at", "type", "actor", "subject", "detail" } ], "next"? }',
    needs: "database",
  },
  {
    name: "api-keys create",
    summary: "make an API key for an account (personal) or a client (service); the key is shown once",
    positionals: [],
    options: {
      account: { type: "string", value: "ACCOUNT_ID", description: "the account that owns the key (or --client)" },
      client: { type: "string", value: "CLIENT_ID", description: "the client that owns the key (or --account)" },
      name: { type: "string", required: true, value: "NAME", description: "what the key is for, e.g. ci-deploy" },
      scopes: { type: "string", value: '"A B"', description: "scopes the key may carry, space-separated (default: whatever its owner has)" },
      "expires-in": { type: "string", value: "DURATION", description: "lifetime: a number and m, h, d, w or y (90m, 12h, 30d, 1y); default: no expiry" },
    },
    prints: '{ "id", "key", "name", "scopes", "expires_at", … }',
    needs: "secret",
  },
  {
    name: "api-keys list",
    summary: "list API keys, all or one owner's (never a key or its hash)",
    positionals: [],
    options: {
      account: { type: "string", value: "ACCOUNT_ID", description: "only the keys of this account" },
      client: { type: "string", value: "CLIENT_ID", description: "only the keys of this client" },
    },
    prints: '[ { "id", "name", "hint", "scopes", "expires_at", "revoked_at", … } ]',
    needs: "database",
  },
  {
    name: "api-keys revoke",
    summary: "revoke an API key and the access tokens exchanged from it, at once",
    positionals: [{ name: "KEY_ID", description: "the key's id (from api-keys list)" }],
    options: {},
    prints: "the key, with revoked_at",
    needs: "everything",
  },
  {
    name: "resources add",
    summary: "register an API (a resource server, RFC 8707) tokens may be issued for, with the scopes it understands",
    positionals: [],
    options: {
      uri: { type: "string", required: true, value: "URI", description: "the API's URI, matched exactly (path included), e.g. https://api.example.com/mcp" },
      name: { type: "string", required: true, value: "NAME", description: "its name, shown on the consent screen" },
      scopes: { type: "string", value: '"A B"', description: "the scopes it understands, space-separated (tokens for it carry no others)" },
      describe: { type: "string", multiple: true, value: "SCOPE=WORDS", description: "a scope in words for the consent screen (repeatable)" },
    },
    prints: '{ "uri", "name", "scopes", … }',
    needs: "database",
  },
  {
    name: "resources list",
    summary: "list the registered APIs (those declared in AUTHBRIDGE_RESOURCES live in the configuration)",
    positionals: [],
    options: {},
    prints: '[ { "uri", "name", "scopes", … } ]',
    needs: "database",
  },
  {
    name: "resources remove",
    summary: "remove a registered API: no new token is issued for it and its refresh tokens stop",
    positionals: [{ name: "URI", description: "the API's URI, exactly as registered" }],
    options: {},
    prints: "the removed resource",
    needs: "database",
  },
];

/** Names of the commands that open only what `needs` says, for the environment paragraph of the help. */
function commandsNeeding(needs: CommandSpec["needs"]): string {
  const names = COMMANDS.filter((c) => c.needs === needs).map((c) => c.name);
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)!}` : (names[0] ?? "");
}

/** `text` broken at spaces into lines of at most `width` characters (a terminal's width, roughly). */
function wrap(text: string, width = 110): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  return [...lines, line].join("\n");
}

const ENVIRONMENT = `Environment: the server's own configuration — DATABASE_URL, DATABASE_AUTH_TOKEN, AUTHBRIDGE_SECRET,
UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN (see the README).
${wrap(`${commandsNeeding("database")} read only DATABASE_URL and DATABASE_AUTH_TOKEN.`)}
${commandsNeeding("secret")} reads those and AUTHBRIDGE_SECRET.`;

/** The environment paragraph of the help of a command that needs the secret. */
const SECRET_ENVIRONMENT = `Environment: DATABASE_URL, DATABASE_AUTH_TOKEN and AUTHBRIDGE_SECRET — the server's: keys are stored as a hash
keyed by it (on a localhost issuer, unset: the dev secret the server keeps in ./.data/authbridge.secret).`;

function pad(s: string, width: number): string {
  return s.length >= width ? `${s}  ` : s.padEnd(width);
}

/** Help for the whole CLI, or for one group (`clients`). */
export function overviewHelp(group?: string): string {
  const listed = COMMANDS.filter((c) => !group || c.name.startsWith(`${group} `));
  const width = Math.max(...listed.map((c) => c.name.length)) + 4;
  return [
    group ? `Usage: authbridge ${group} <command> [options]` : "Usage: authbridge <command> [options]",
    "",
    "The authbridge admin CLI. Prints JSON on stdout; messages go to stderr; exit status 1 on failure, 2 on a usage error.",
    "",
    "Commands:",
    ...listed.map((c) => `  ${pad(c.name, width)}${c.summary}`),
    "",
    `Run "authbridge <command> --help" for a command's options.`,
    "",
    ENVIRONMENT,
    "",
  ].join("\n");
}

/** Help for one command. */
export function commandHelp(spec: CommandSpec): string {
  const flag = (name: string, o: OptionSpec) => `--${name}${o.value ? ` ${o.value}` : ""}`;
  const usage = [
    `authbridge ${spec.name}`,
    ...spec.positionals.map((p) => p.name),
    ...Object.entries(spec.options).map(([n, o]) => (o.required ? flag(n, o) : `[${flag(n, o)}]${o.multiple ? "…" : ""}`)),
  ].join(" ");
  const rows: [string, string][] = [
    ...spec.positionals.map((p): [string, string] => [p.name, p.description]),
    ...Object.entries(spec.options).map(([n, o]): [string, string] => [flag(n, o), `${o.description}${o.required ? " (required)" : ""}`]),
    ["-h, --help", "show this help and do nothing else"],
  ];
  const width = Math.max(...rows.map(([l]) => l.length)) + 4;
  return [
    `Usage: ${usage}`,
    "",
    `${spec.summary[0]!.toUpperCase()}${spec.summary.slice(1)}.`,
    `Prints: ${spec.prints}`,
    "",
    "Arguments and options:",
    ...rows.map(([l, d]) => `  ${pad(l, width)}${d}`),
    "",
    spec.needs === "database" ? "Environment: DATABASE_URL, DATABASE_AUTH_TOKEN (nothing else is read)." : spec.needs === "secret" ? SECRET_ENVIRONMENT : ENVIRONMENT,
    "",
  ].join("\n");
}
