/**
 * Embedded defaults for Node: a kept dev secret for localhost issuers, and the rules file. Runs before
 * configuration is validated so that validation sees the final environment.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { isLocalIssuer, issuerFrom } from "../config";
import { generateSecret } from "../lib/secret";

/** Where the generated dev secret is kept (next to the embedded database). */
export const DEV_SECRET_FILE = "./.data/authbridge.secret";

/** Result of {@link prepareNodeEnv}: the environment to validate, the defaults it filled in, and problems. */
export interface PreparedEnv {
  env: Record<string, string | undefined>;
  notes: string[];
  /** Configuration problems found here (named by variable), reported together with validation's. */
  problems: string[];
}

function readOrCreateSecret(path: string): { secret: string; created: boolean } {
  if (existsSync(path)) return { secret: readFileSync(path, "utf8").trim(), created: false };
  mkdirSync(dirname(path), { recursive: true });
  const secret = generateSecret();
  // wx: never overwrite a secret another process just wrote; 0600: readable by this user only.
  writeFileSync(path, secret + "\n", { mode: 0o600, flag: "wx" });
  chmodSync(path, 0o600);
  return { secret, created: true };
}

/**
 * Fill in the Node-only defaults.
 * @example const { env, notes } = prepareNodeEnv(process.env);
 */
export function prepareNodeEnv(source: Record<string, string | undefined>): PreparedEnv {
  const env = { ...source };
  const notes: string[] = [];
  const problems: string[] = [];
  let issuerOk = true;
  try {
    issuerOk = isLocalIssuer(issuerFrom(env));
  } catch {
    issuerOk = false; // an unparsable issuer is reported by validation
  }
  if (!env.AUTHBRIDGE_SECRET && issuerOk) {
    const { secret, created } = readOrCreateSecret(DEV_SECRET_FILE);
    env.AUTHBRIDGE_SECRET = secret;
    notes.push(`AUTHBRIDGE_SECRET unset: using the ${created ? "newly generated" : "kept"} dev secret in ${DEV_SECRET_FILE}`);
  }
  if (!env.AUTHBRIDGE_RULES) {
    const file = env.AUTHBRIDGE_RULES_FILE ?? (existsSync("./authbridge.rules.json") ? "./authbridge.rules.json" : undefined);
    if (file) {
      try {
        env.AUTHBRIDGE_RULES = readFileSync(resolve(file), "utf8");
      } catch (e) {
        env.AUTHBRIDGE_RULES = undefined;
        const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
        problems.push(`AUTHBRIDGE_RULES_FILE: cannot read ${file}: ${reason}`);
      }
    }
  }
  if (env.DATABASE_URL === undefined || env.DATABASE_URL === "") mkdirSync("./.data", { recursive: true });
  return { env, notes, problems };
}
