/**
 * Configuration: one zod schema over every variable of the contract, read from Workers bindings or
 * `process.env`. Invalid configuration is reported all at once, naming each bad variable and why; the
 * caller stops before listening. Secrets are never echoed back in messages.
 */
import { z } from "zod";
import { isLoopbackHost } from "./lib/loopback";
import { decodeSecret } from "./lib/secret";
import { configWarnings } from "./config-warnings";
import { PLATFORMS, type PlatformId } from "./domain/platforms";
import { ResourceInput, type Resource } from "./resources/resource";
import { parseRules, RulesError, type Rules } from "./rules/schema";

/** Where the app runs: embedded defaults exist only on Node. */
export type Runtime = "node" | "workers";

/** Validated configuration. */
/** Our client at one platform (its `<PLATFORM>_CLIENT_ID` / `<PLATFORM>_CLIENT_SECRET` pair). */
export interface PlatformClient {
  clientId: string;
  clientSecret: string;
}

/** Each platform's client, keyed by platform id (`config.github`, …): undefined when its pair is unset. */
export type PlatformClients = { [K in PlatformId]: PlatformClient | undefined };

/** The configuration (its platform clients included, one field per entry of the provider list). */
export type Config = BaseConfig & PlatformClients;

interface BaseConfig {
  runtime: Runtime;
  /** Public base URL without a trailing slash; the `iss` of every token. */
  issuer: string;
  /** True when the issuer is on localhost (dev conveniences allowed). */
  issuerIsLocal: boolean;
  port: number;
  /** Node listen address; undefined: every interface. */
  host: string | undefined;
  databaseUrl: string;
  databaseAuthToken: string | undefined;
  upstash: { url: string; token: string } | undefined;
  /** Decoded AUTHBRIDGE_SECRET (≥ 32 bytes). */
  secret: Uint8Array;
  signingAlg: "EdDSA" | "ES256";
  audience: string;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  refreshIdleTtl: number;
  refreshReuseGrace: number;
  /** Seconds a browser session may go unused before it is refused. */
  sessionIdleTtl: number;
  entitlementsMaxAge: number;
  entitlementsGrace: number;
  devLogin: boolean;
  trustProxy: boolean;
  /** Requests per minute per client (or address) at /token, /introspect, per process; 0 turns limiting off. */
  rateLimitPerMinute: number;
  /** Failed client authentications per minute per client (or address), across instances; 0: off. */
  authFailuresPerMinute: number;
  /** Uses (exchanges and introspections) per minute of one API key, across instances; 0: off. */
  apiKeyRatePerMinute: number;
  /** The validated rules document (empty when none is configured). */
  rules: Rules;
  /** Embedded defaults in use, one human line each (printed as warnings at start). */
  defaultsInUse: string[];
  /** Likely mistakes that do not stop the server (typos, no way to sign in), one line each. */
  warnings: string[];
  /** LOG_FORMAT; undefined: the entry decides (text on a terminal, else json). */
  logFormat: "json" | "text" | undefined;
  /** LOG_LEVEL (default info). */
  logLevel: "debug" | "info" | "warn" | "error";
  /** METRICS_TOKEN: the bearer token that unlocks `GET /metrics`; undefined: no metrics endpoint. */
  metricsToken: string | undefined;
  /** AUTHBRIDGE_RESOURCES: resources declared in the configuration (more come from the database). */
  resources: Resource[];
  /** AUTHBRIDGE_CIMD: which https `client_id`s are fetched as Client ID Metadata Documents. */
  metadataDocuments: MetadataDocumentPolicy;
  /** AUTHBRIDGE_DYNAMIC_REGISTRATION: `POST /register` (RFC 7591) is open. */
  dynamicRegistration: boolean;
  /**
   * AUTHBRIDGE_OIDC_GROUPS: what the OpenID Connect `groups` claim lists — the account's roles (`roles`,
   * the default), or also its platform memberships (`roles+platform`: `github:acme/platform`, `discord:GUILD:ROLE`, `slack:TEAM`).
   */
  oidcGroups: "roles" | "roles+platform";
}

/**
 * Which Client ID Metadata Documents are accepted: none (`off`, the default: the operator opts in), any
 * https URL (`any`), or only those on the listed host names (exact, case-insensitive).
 */
export type MetadataDocumentPolicy = { mode: "off" } | { mode: "any" } | { mode: "hosts"; hosts: readonly string[] };

/** Raised when configuration is invalid; `problems` names every bad variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

const wholeNumber = (def: number, min: number, unit: string) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number of ${unit}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`))
    .optional()
    .transform((v) => v ?? def);
const seconds = (def: number, min = 1) => wholeNumber(def, min, "seconds");

const flag = z
  .enum(["0", "1", "true", "false", ""], { message: "must be 1 or 0" })
  .optional()
  .transform((v) => v === "1" || v === "true");

/** A DNS host name of two labels or more (no IP literals, no ports): what AUTHBRIDGE_CIMD may list. */
const HOST_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const httpUrl = z
  .string()
  .refine((v) => /^https?:\/\/[^/\s]+/i.test(v) && URL.canParse(v), "must be an http(s) URL such as https://auth.example.com");

/** The environment prefix of a platform's client pair: `github` → `GITHUB`. */
export function platformPrefix(id: PlatformId): Uppercase<PlatformId> {
  return id.toUpperCase() as Uppercase<PlatformId>;
}

type PlatformVariable = `${Uppercase<PlatformId>}_CLIENT_${"ID" | "SECRET"}`;

/** The `<PLATFORM>_CLIENT_ID` / `_SECRET` variables of every platform in the provider list. */
function platformVariables(): Record<PlatformVariable, z.ZodOptional<z.ZodString>> {
  return Object.fromEntries(
    PLATFORMS.flatMap((id) => [`${platformPrefix(id)}_CLIENT_ID`, `${platformPrefix(id)}_CLIENT_SECRET`]).map((name) => [name, z.string().min(1).optional()]),
  ) as Record<PlatformVariable, z.ZodOptional<z.ZodString>>;
}

const schema = z.object({
  AUTHBRIDGE_ISSUER: httpUrl
    .refine((v) => {
      // zod runs every refinement even after one failed: an unparsable value is the first one's to report.
      if (!URL.canParse(v)) return true;
      const u = new URL(v);
      return !u.search && !u.hash && !u.username && !u.password;
    }, "must have no query, fragment or credentials")
    .optional(),
  PORT: z
    .string()
    .regex(/^\d+$/, "must be a port number")
    .transform(Number)
    .pipe(z.number().int().min(0).max(65535, "must be at most 65535"))
    .optional(),
  HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:_-]+$/, "must be a host name or an IP address")
    .optional(),
  DATABASE_URL: z
    .string()
    .refine((v) => /^(file:|libsql:\/\/|https?:\/\/)/i.test(v), "must start with file:, libsql://, http:// or https://")
    .optional(),
  DATABASE_AUTH_TOKEN: z.string().min(1).optional(),
  UPSTASH_REDIS_REST_URL: httpUrl.optional(),
  UPSTASH_REDIS_REST_TOKEN: z.string().min(1, "must not be empty").optional(),
  AUTHBRIDGE_SECRET: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      if (v === undefined) return;
      if (!decodeSecret(v)) ctx.addIssue({ code: "custom", message: "must be at least 32 random bytes, base64url or hex" });
    }),
  AUTHBRIDGE_SIGNING_ALG: z.enum(["EdDSA", "ES256"], { message: "must be EdDSA or ES256" }).optional(),
  AUTHBRIDGE_AUDIENCE: z.string().min(1).optional(),
  ACCESS_TOKEN_TTL: seconds(600, 30),
  REFRESH_TOKEN_TTL: seconds(2_592_000, 60),
  REFRESH_IDLE_TTL: seconds(604_800, 60),
  REFRESH_REUSE_GRACE: seconds(10, 0),
  SESSION_IDLE_TTL: seconds(86_400, 60),
  ENTITLEMENTS_MAX_AGE: seconds(900, 0),
  ENTITLEMENTS_GRACE: seconds(3600, 0),
  AUTHBRIDGE_DEV_LOGIN: flag,
  AUTHBRIDGE_TRUST_PROXY: flag,
  RATE_LIMIT_PER_MINUTE: wholeNumber(600, 0, "requests"),
  AUTH_FAILURES_PER_MINUTE: wholeNumber(20, 0, "attempts"),
  API_KEY_RATE_LIMIT_PER_MINUTE: wholeNumber(600, 0, "requests"),
  ...platformVariables(),
  AUTHBRIDGE_RULES: z.string().min(1).optional(),
  LOG_FORMAT: z.enum(["json", "text"], { message: "must be json or text" }).optional(),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"], { message: "must be debug, info, warn or error" }).optional(),
  // Long enough that guessing it is hopeless; compared in constant time by the metrics route.
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters (use random bytes)").optional(),
  AUTHBRIDGE_RESOURCES: z.string().min(1).optional(),
  AUTHBRIDGE_CIMD: z
    .string()
    .trim()
    .toLowerCase()
    .refine(
      (v) => v === "off" || v === "any" || v.split(",").every((h) => HOST_NAME.test(h.trim())),
      "must be off, any, or a comma-separated list of host names (api.example.com,tools.example.org)",
    )
    .optional(),
  AUTHBRIDGE_DYNAMIC_REGISTRATION: flag,
  AUTHBRIDGE_OIDC_GROUPS: z.enum(["roles", "roles+platform"], { message: "must be roles or roles+platform" }).optional(),
});

/** Names of the variables the schema reads (everything else in the environment is ignored). */
export const CONFIG_VARIABLES = Object.keys(schema.shape) as (keyof typeof schema.shape)[];

/** Every variable authbridge reads: the schema's and those the Node entry reads before validation. */
export const KNOWN_VARIABLES: readonly string[] = [...CONFIG_VARIABLES, "AUTHBRIDGE_RULES_FILE"];

/** True for `http(s)://localhost…` style issuers. */
export function isLocalIssuer(issuer: string): boolean {
  return isLoopbackHost(new URL(issuer).hostname);
}

/**
 * The issuer a given environment will use (before validation), for entry points deciding on defaults.
 * Unset, it is localhost on the port the Node server listens on (Workers have no PORT).
 */
export function issuerFrom(env: Record<string, string | undefined>, runtime: Runtime = "node"): string {
  if (env.AUTHBRIDGE_ISSUER) return env.AUTHBRIDGE_ISSUER;
  const port = runtime === "node" && env.PORT ? env.PORT : "8787";
  return `http://localhost:${port}`;
}

function pair(name: string, id: string | undefined, secret: string | undefined, problems: string[]) {
  if (!id && !secret) return undefined;
  if (!id || !secret) {
    problems.push(`${name}_CLIENT_ID and ${name}_CLIENT_SECRET: set both or neither`);
    return undefined;
  }
  return { clientId: id, clientSecret: secret };
}

/** AUTHBRIDGE_RESOURCES: a JSON array of resources; problems named by index and field. */
function resourcesProblems(text: string | undefined, problems: string[]): Resource[] {
  if (text === undefined) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    problems.push("AUTHBRIDGE_RESOURCES: must be a JSON array of { uri, name, scopes, descriptions? }");
    return [];
  }
  const parsed = z.array(ResourceInput).safeParse(json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`AUTHBRIDGE_RESOURCES: ${issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("") || "(whole)"}: ${issue.message}`);
    return [];
  }
  const seen = new Set<string>();
  for (const r of parsed.data) {
    if (seen.has(r.uri)) problems.push(`AUTHBRIDGE_RESOURCES: ${r.uri} is declared twice`);
    seen.add(r.uri);
  }
  return parsed.data.map((r) => ({ ...r, source: "configuration" as const, createdAt: null }));
}

function metadataDocumentPolicy(value: string | undefined): MetadataDocumentPolicy {
  if (value === undefined || value === "off") return { mode: "off" };
  if (value === "any") return { mode: "any" };
  return { mode: "hosts", hosts: [...new Set(value.split(",").map((h) => h.trim()))] };
}

function rulesProblems(text: string | undefined, problems: string[]): Rules {
  try {
    return parseRules(text);
  } catch (err) {
    if (!(err instanceof RulesError)) throw err;
    for (const p of err.problems) problems.push(`AUTHBRIDGE_RULES: ${p}`);
    return { roles: {}, rules: [] };
  }
}

/**
 * Validate an environment. Throws {@link ConfigError} listing every problem.
 * @example const config = parseConfig(process.env, "node");
 */
export function parseConfig(env: Record<string, string | undefined>, runtime: Runtime): Config {
  const input = Object.fromEntries(
    CONFIG_VARIABLES.map((k) => [k, env[k] === "" && k !== "AUTHBRIDGE_DEV_LOGIN" ? undefined : env[k]]),
  );
  const parsed = schema.safeParse(input);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${String(issue.path[0])}: ${issue.message}`);
    // Checks over several variables still run on the raw values, so one run names every mistake.
    for (const id of PLATFORMS) pair(platformPrefix(id), input[`${platformPrefix(id)}_CLIENT_ID`], input[`${platformPrefix(id)}_CLIENT_SECRET`], problems);
    if (!input.UPSTASH_REDIS_REST_URL !== !input.UPSTASH_REDIS_REST_TOKEN) problems.push("UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN: set both or neither");
    if (!problems.some((p) => p.startsWith("AUTHBRIDGE_RULES"))) rulesProblems(input.AUTHBRIDGE_RULES, problems);
    if (!problems.some((p) => p.startsWith("AUTHBRIDGE_RESOURCES"))) resourcesProblems(input.AUTHBRIDGE_RESOURCES, problems);
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const defaultsInUse: string[] = [];
  const issuer = issuerFrom({ AUTHBRIDGE_ISSUER: e.AUTHBRIDGE_ISSUER, PORT: e.PORT === undefined ? undefined : String(e.PORT) }, runtime).replace(/\/+$/, "");
  const issuerIsLocal = isLocalIssuer(issuer);
  if (!issuerIsLocal && !issuer.startsWith("https://")) problems.push("AUTHBRIDGE_ISSUER: must be https:// unless on localhost");

  let databaseUrl = e.DATABASE_URL;
  if (!databaseUrl) {
    if (runtime === "workers") problems.push("DATABASE_URL: required on Workers (libsql:// or https://)");
    else {
      databaseUrl = "file:./.data/authbridge.db";
      defaultsInUse.push("DATABASE_URL unset: using the embedded libSQL file ./.data/authbridge.db");
    }
  } else if (runtime === "workers" && databaseUrl.startsWith("file:")) {
    problems.push("DATABASE_URL: file: databases are not available on Workers");
  }

  let upstash: Config["upstash"];
  if (e.UPSTASH_REDIS_REST_URL && e.UPSTASH_REDIS_REST_TOKEN) {
    upstash = { url: e.UPSTASH_REDIS_REST_URL, token: e.UPSTASH_REDIS_REST_TOKEN };
  } else if (e.UPSTASH_REDIS_REST_URL || e.UPSTASH_REDIS_REST_TOKEN) {
    problems.push("UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN: set both or neither");
  } else if (runtime === "workers") {
    problems.push("UPSTASH_REDIS_REST_URL: required on Workers (the embedded store is Node only)");
  } else {
    defaultsInUse.push("UPSTASH_REDIS_REST_URL unset: using the embedded state store in the database");
  }

  const secret = e.AUTHBRIDGE_SECRET ? decodeSecret(e.AUTHBRIDGE_SECRET) : undefined;
  if (!secret) problems.push("AUTHBRIDGE_SECRET: required (only a Node server on a localhost issuer generates one)");
  if (e.AUTHBRIDGE_DEV_LOGIN && !issuerIsLocal) problems.push("AUTHBRIDGE_DEV_LOGIN: refused when the issuer is not localhost");
  // Anyone who can reach the dev login can sign in as anyone: it never listens beyond this machine.
  if (e.AUTHBRIDGE_DEV_LOGIN && e.HOST !== undefined && !isLoopbackHost(e.HOST))
    problems.push("HOST: must be a loopback address (127.0.0.1, ::1, localhost) while AUTHBRIDGE_DEV_LOGIN is on");
  // Unset: loopback for local issuers and the dev login, every interface for a public issuer.
  const host = e.HOST ?? (issuerIsLocal || e.AUTHBRIDGE_DEV_LOGIN ? "127.0.0.1" : undefined);
  if (e.REFRESH_IDLE_TTL > e.REFRESH_TOKEN_TTL) problems.push("REFRESH_IDLE_TTL: must not exceed REFRESH_TOKEN_TTL");

  const clients = Object.fromEntries(
    PLATFORMS.map((id) => [id, pair(platformPrefix(id), e[`${platformPrefix(id)}_CLIENT_ID`], e[`${platformPrefix(id)}_CLIENT_SECRET`], problems)]),
  ) as PlatformClients;
  const rules = rulesProblems(e.AUTHBRIDGE_RULES, problems);
  const resources = resourcesProblems(e.AUTHBRIDGE_RESOURCES, problems);
  if (problems.length > 0 || !secret || !databaseUrl) throw new ConfigError(problems);
  const warnings = configWarnings(env, KNOWN_VARIABLES, { clients, devLogin: e.AUTHBRIDGE_DEV_LOGIN, rules });

  return {
    runtime,
    issuer,
    issuerIsLocal,
    port: e.PORT ?? 8787,
    host,
    databaseUrl,
    databaseAuthToken: e.DATABASE_AUTH_TOKEN,
    upstash,
    secret,
    signingAlg: e.AUTHBRIDGE_SIGNING_ALG ?? "EdDSA",
    audience: e.AUTHBRIDGE_AUDIENCE ?? issuer,
    accessTokenTtl: e.ACCESS_TOKEN_TTL,
    refreshTokenTtl: e.REFRESH_TOKEN_TTL,
    refreshIdleTtl: e.REFRESH_IDLE_TTL,
    refreshReuseGrace: e.REFRESH_REUSE_GRACE,
    sessionIdleTtl: e.SESSION_IDLE_TTL,
    entitlementsMaxAge: e.ENTITLEMENTS_MAX_AGE,
    entitlementsGrace: e.ENTITLEMENTS_GRACE,
    devLogin: e.AUTHBRIDGE_DEV_LOGIN,
    trustProxy: e.AUTHBRIDGE_TRUST_PROXY,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
    apiKeyRatePerMinute: e.API_KEY_RATE_LIMIT_PER_MINUTE,
    ...clients,
    rules,
    defaultsInUse,
    warnings,
    logFormat: e.LOG_FORMAT,
    logLevel: e.LOG_LEVEL ?? "info",
    metricsToken: e.METRICS_TOKEN,
    resources,
    metadataDocuments: metadataDocumentPolicy(e.AUTHBRIDGE_CIMD),
    dynamicRegistration: e.AUTHBRIDGE_DYNAMIC_REGISTRATION,
    oidcGroups: e.AUTHBRIDGE_OIDC_GROUPS ?? "roles",
  };
}

/** The database part of the configuration: all that `migrate` needs. */
export interface DatabaseConfig {
  databaseUrl: string;
  databaseAuthToken: string | undefined;
}

/**
 * Validate only DATABASE_URL and DATABASE_AUTH_TOKEN (Node: the embedded file when unset), so that
 * migrating a database needs neither the state store nor the secret.
 * @example const { databaseUrl } = parseDatabaseConfig(process.env);
 */
export function parseDatabaseConfig(env: Record<string, string | undefined>): DatabaseConfig {
  const dbSchema = schema.pick({ DATABASE_URL: true, DATABASE_AUTH_TOKEN: true });
  const parsed = dbSchema.safeParse({ DATABASE_URL: env.DATABASE_URL || undefined, DATABASE_AUTH_TOKEN: env.DATABASE_AUTH_TOKEN || undefined });
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`));
  return { databaseUrl: parsed.data.DATABASE_URL ?? "file:./.data/authbridge.db", databaseAuthToken: parsed.data.DATABASE_AUTH_TOKEN };
}
