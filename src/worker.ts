/**
 * Workers entry (`wrangler dev` / deploy): `export default { fetch }`.
 *
 * Configuration comes from the bindings (vars and secrets); AUTHBRIDGE_ISSUER is required and may be
 * localhost only with the dev login on. It is validated once per isolate, keyed on the
 * identity of the `env` object, and the app is built once for it. The logger follows LOG_FORMAT (default
 * json) and LOG_LEVEL, and the configuration warnings are logged once per isolate. Invalid configuration
 * answers every request with 500 problem+json naming the bad variables (names only, never values) and is
 * logged once.
 *
 * Only runtime-neutral modules may be imported from here: no `node:*`, no `@hono/node-server`, no
 * migrations (they reach Turso through the CLI), no `src/runtime/node-env.ts`.
 */
import type { ExecutionContext, Hono } from "hono";
import { createApp } from "./app";
import { CONFIG_VARIABLES, ConfigError, isLocalIssuer, parseConfig, type Config } from "./config";
import type { AppDeps } from "./deps";
import { problemResponse } from "./http/problem";
import { consoleLogger, createLogger, type Logger } from "./lib/log";
import { withTimeout } from "./lib/timeout";
import { buildDeps } from "./runtime/build-deps";

/** Bindings as workerd hands them over: vars and secrets are strings; other bindings are ignored here. */
export type WorkerEnv = Record<string, unknown>;

/** The Workers execution context (hono's declaration of it; no workers-types dependency needed). */
export type WorkerContext = ExecutionContext;

/** Bound for the first-request key check, so a database that does not answer cannot hang requests. */
const ENSURE_KEY_MS = 3000;

type Instance =
  | { ok: true; app: Hono; deps: AppDeps; logger: Logger; keyReady: Promise<void> | undefined }
  | { ok: false; response: () => Response };

// WeakMap: a new env object (new deployment, tests with other bindings) gets its own app, and old ones go.
const instances = new WeakMap<object, Instance>();

// Warnings already logged by this isolate: one line each, however many env objects it sees.
const warned = new Set<string>();

/** The logger the configuration asks for (Workers Logs reads JSON lines, hence that default). */
function workerLogger(config: Config): Logger {
  return createLogger({ format: config.logFormat ?? "json", level: config.logLevel });
}

/** Variable names mentioned by the problems (text before the first colon), restricted to known names. */
function namesInProblems(problems: string[]): string[] {
  const known = new Set<string>(CONFIG_VARIABLES);
  const names = new Set<string>();
  for (const p of problems) {
    const head = p.split(":")[0] ?? "";
    for (const m of head.match(/[A-Z][A-Z0-9_]+/g) ?? []) if (known.has(m)) names.add(m);
  }
  return [...names];
}

function stringBindings(env: WorkerEnv): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === "string") out[k] = v;
  return out;
}

/**
 * A deployed worker must know its public URL: a localhost issuer there would put `http://localhost:8787`
 * in every token and metadata document. Only local work (`npm run dev:worker`, which turns the dev login
 * on) may use one. Checked on the raw bindings so its problem is reported together with parseConfig's.
 */
function issuerProblem(env: Record<string, string | undefined>): string | undefined {
  if (env.AUTHBRIDGE_DEV_LOGIN === "1" || env.AUTHBRIDGE_DEV_LOGIN === "true") return undefined;
  if (!env.AUTHBRIDGE_ISSUER) return "AUTHBRIDGE_ISSUER: required on Workers: the worker's public https URL, e.g. https://auth.example.com";
  if (URL.canParse(env.AUTHBRIDGE_ISSUER) && isLocalIssuer(env.AUTHBRIDGE_ISSUER))
    return "AUTHBRIDGE_ISSUER: a localhost issuer is refused on Workers unless AUTHBRIDGE_DEV_LOGIN=1 (local work); set the worker's public https URL";
  return undefined;
}

function build(env: WorkerEnv): Instance {
  try {
    const bindings = stringBindings(env);
    const refused = issuerProblem(bindings);
    let config;
    try {
      config = parseConfig(bindings, "workers");
    } catch (e) {
      if (refused && e instanceof ConfigError) throw new ConfigError([refused, ...e.problems]);
      throw e;
    }
    if (refused) throw new ConfigError([refused]);
    const logger = workerLogger(config);
    for (const line of [...config.defaultsInUse, ...config.warnings]) {
      if (warned.has(line)) continue;
      warned.add(line);
      logger.warn(line);
    }
    const deps = buildDeps(config, logger, { directIp: (c) => c.req.header("cf-connecting-ip") });
    return { ok: true, app: createApp(deps), deps, logger, keyReady: undefined };
  } catch (e) {
    // No valid configuration, so no configured logger: the default one (JSON lines) reports it.
    if (e instanceof ConfigError) {
      // The messages come from config.ts, which never echoes values; the response carries names only.
      consoleLogger.error(e.message);
      const names = namesInProblems(e.problems);
      const detail = `configuration is invalid: ${names.join(", ") || "see the worker log"}`;
      return { ok: false, response: () => problemResponse(500, "Invalid Configuration", detail, { invalid_variables: names }) };
    }
    const err = e instanceof Error ? e : new Error(String(e));
    consoleLogger.error("worker start failed", { name: err.name, error: err.message });
    return { ok: false, response: () => problemResponse(500, "Internal Server Error") };
  }
}

/**
 * Make sure a signing key exists before the first request is served (so the JWKS is never empty).
 * Shared by concurrent first requests; racing isolates are fine (the oldest unretired key wins).
 * On failure it is logged and retried on a later request; the request itself goes on, so `/healthz`
 * can still report the database as down instead of failing here.
 */
async function ensureKey(inst: Extract<Instance, { ok: true }>): Promise<void> {
  inst.keyReady ??= withTimeout(inst.deps.keys.ensureCurrent(), ENSURE_KEY_MS, "database").then(
    (created) => {
      if (created) inst.logger.warn(`no signing key found: generated a new ${inst.deps.config.signingAlg} key`);
    },
    (e: unknown) => {
      inst.keyReady = undefined;
      inst.logger.warn("signing key check failed; will retry", { error: e instanceof Error ? e.message : String(e) });
    },
  );
  await inst.keyReady;
}

/** The Workers module. */
export default {
  async fetch(request: Request, env: WorkerEnv, ctx: WorkerContext): Promise<Response> {
    let inst = instances.get(env);
    if (!inst) {
      inst = build(env);
      instances.set(env, inst);
    }
    if (!inst.ok) return inst.response();
    await ensureKey(inst);
    return inst.app.fetch(request, env, ctx);
  },
};
