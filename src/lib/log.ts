/** Minimal structured logging. Callers pass no secrets; messages are one line each. */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

function line(level: string, msg: string, fields?: Record<string, unknown>): string {
  return fields && Object.keys(fields).length > 0 ? `${level}: ${msg} ${JSON.stringify(fields)}` : `${level}: ${msg}`;
}

/** Logger writing to the console (stderr for warnings and errors). */
export const consoleLogger: Logger = {
  info: (m, f) => console.log(line("info", m, f)),
  warn: (m, f) => console.warn(line("warn", m, f)),
  error: (m, f) => console.error(line("error", m, f)),
};

/** Logger that drops everything (tests). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
