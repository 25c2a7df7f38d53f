/**
 * Structured logging: one line per event, JSON (for collectors: Workers Logs, Loki, CloudWatch) or text
 * (for a terminal). Runtime-neutral: the sink is injected, so the same logger runs on Node and Workers.
 *
 * Callers pass no secrets; as a second line of defence, fields named like a credential are replaced by
 * "[redacted]" whatever their value.
 *
 * Why not pino: its Node build writes through Node streams and its transports run in worker threads,
 * neither of which exists in workerd, and its text output needs pino-pretty (a dozen more packages). What we
 * need — a level check, one JSON.stringify, one write — is the few lines below.
 */

/** Levels, least severe first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Extra fields of one log line. */
export type LogFields = Record<string, unknown>;

/** What the app logs through. `debug` is optional so small test loggers need not implement it. */
export interface Logger {
  debug?(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  format: "json" | "text";
  /** Lines below this level are dropped before any formatting (default info). */
  level?: LogLevel;
  /** Where finished lines go (no trailing newline). Default: the console, warnings and errors to stderr. */
  write?: (line: string, level: LogLevel) => void;
  /** Clock for the `time` field (tests). */
  now?: () => number;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

// Exact names only: a field called "code" or "token" holding a value is never worth the risk.
const CREDENTIAL_FIELD = /^(token|access_token|refresh_token|id_token|subject_token|actor_token|code|code_verifier|client_secret|secret|password|authorization|cookie|key|api_key)$/i;

function consoleWrite(line: string, level: LogLevel): void {
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

function textValue(v: unknown): string {
  if (typeof v === "string") return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean" || v === null) return String(v);
  return JSON.stringify(v) ?? "undefined";
}

function clean(fields: LogFields): LogFields {
  let out: LogFields | undefined;
  for (const k in fields) {
    if (CREDENTIAL_FIELD.test(k)) (out ??= { ...fields })[k] = "[redacted]";
  }
  return out ?? fields;
}

/**
 * A logger writing one line per call.
 * @example const log = createLogger({ format: "json", level: "info" }); log.warn("refresh token reuse detected", { client_id });
 */
export function createLogger(opts: LoggerOptions): Logger {
  const min = RANK[opts.level ?? "info"];
  const write = opts.write ?? consoleWrite;
  const now = opts.now ?? Date.now;
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[level] < min) return;
    const f = fields ? clean(fields) : undefined;
    if (opts.format === "json") {
      write(JSON.stringify({ level, time: new Date(now()).toISOString(), msg, ...f }), level);
      return;
    }
    let line = `${level}: ${msg}`;
    if (f) for (const k in f) if (f[k] !== undefined) line += ` ${k}=${textValue(f[k])}`;
    write(line, level);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}

/**
 * Collects lines and writes them together once per turn of the event loop, so that a request's log line
 * is formatted and written after its response has been handed over, not while the client waits.
 * `flush()` writes what is pending at once (before exiting).
 * @example const out = batchedWriter((chunk) => process.stdout.write(chunk));
 */
export function batchedWriter(writeChunk: (chunk: string) => void): { write: (line: string) => void; flush: () => void } {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const chunk = pending.join("\n") + "\n";
    pending = [];
    writeChunk(chunk);
  };
  return {
    write: (line) => {
      pending.push(line);
      if (!scheduled) {
        scheduled = true;
        setTimeout(flush, 0);
      }
    },
    flush,
  };
}

/** JSON lines on the console at info: the default where no configuration chose (Workers). */
export const consoleLogger: Logger = createLogger({ format: "json", level: "info" });

/** Logger that drops everything (tests). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
