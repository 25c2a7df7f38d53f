/**
 * The OpenID Connect parameters of an authorization request (Core §3.1.2.1), read once at `/authorize`:
 * - `prompt`: `none` (answer without any page: `login_required` / `consent_required` instead), `login`
 *   and `select_account` (sign in afresh, choosing the account), `consent` (ask again);
 * - `max_age`: a session older than this many seconds signs in again (`0`: always);
 * - `nonce`: kept with the code and echoed in the ID token;
 * - `login_hint`: when it names an enabled platform (`github`, `discord`, `slack`), that one is picked;
 * - `request`, `request_uri`, `registration`: not supported, answered with their own error codes;
 *   `claims`, `display`, `ui_locales`, `acr_values`, `id_token_hint` are accepted and ignored.
 */
/** What an authorization request asked of the sign-in. */
export interface OidcRequest {
  /** `prompt=none`: never show a page. */
  none: boolean;
  /** `prompt=login` or `select_account`: sign in afresh even with a session. */
  login: boolean;
  /** `prompt=consent`: ask for consent even when one covers the request. */
  consent: boolean;
  /** `max_age` in seconds. */
  maxAge: number | undefined;
  nonce: string | undefined;
  /** The platform `login_hint` names, when it names one of those offered. */
  loginHintPlatform: string | undefined;
}

const PROMPTS = new Set(["none", "login", "consent", "select_account"]);
/** Enough for any nonce a library makes (they are 32-64 characters); more would only bloat the code. */
const MAX_NONCE = 512;
const UNSUPPORTED: Record<string, [string, string]> = {
  request: ["request_not_supported", "request objects are not supported"],
  request_uri: ["request_uri_not_supported", "request_uri is not supported"],
  registration: ["registration_not_supported", "the registration parameter is not supported"],
};

/** An error to answer at the redirect URI (OAuth 2.0 §4.1.2.1 and OpenID Connect Core §3.1.2.6 codes). */
export interface OidcRequestError {
  error: string;
  description: string;
}

/**
 * Read the parameters through `one` (which may throw on a repeated parameter); `platforms` are the login
 * connectors on offer. An error is answered at the redirect URI.
 * @example const oidc = readOidcRequest(one, new Set(providers.keys())); if ("error" in oidc) return fail(oidc.error, oidc.description);
 */
export function readOidcRequest(one: (name: string) => string | undefined, platforms: ReadonlySet<string>): OidcRequest | OidcRequestError {
  const refuse = (error: string, description: string): OidcRequestError => ({ error, description });
  for (const [name, [code, description]] of Object.entries(UNSUPPORTED)) if (one(name) !== undefined) return refuse(code, description);
  const prompts = (one("prompt") ?? "").split(" ").filter(Boolean);
  const unknown = prompts.find((p) => !PROMPTS.has(p));
  if (unknown !== undefined) return refuse("invalid_request", `unsupported prompt value ${JSON.stringify(unknown.slice(0, 40))}`);
  const none = prompts.includes("none");
  if (none && prompts.length > 1) return refuse("invalid_request", "prompt=none cannot be combined with other values");
  const rawMaxAge = one("max_age");
  if (rawMaxAge !== undefined && !/^\d{1,10}$/.test(rawMaxAge)) return refuse("invalid_request", "max_age must be a whole number of seconds");
  const nonce = one("nonce");
  if (nonce !== undefined && nonce.length > MAX_NONCE) return refuse("invalid_request", `nonce must be at most ${MAX_NONCE} characters`);
  const hint = one("login_hint")?.trim().toLowerCase();
  return {
    none,
    login: prompts.includes("login") || prompts.includes("select_account"),
    consent: prompts.includes("consent"),
    maxAge: rawMaxAge === undefined ? undefined : Number(rawMaxAge),
    nonce,
    loginHintPlatform: hint !== undefined && platforms.has(hint) ? hint : undefined,
  };
}

/**
 * Whether a session signed in at `createdAt` (epoch ms) may answer the request now: not when it asked to
 * sign in afresh, nor when the session is older than `max_age`.
 * @example if (session && !sessionSatisfies(oidc, session.createdAt, deps.now())) session = null;
 */
export function sessionSatisfies(req: Pick<OidcRequest, "login" | "maxAge">, createdAt: number, now: number): boolean {
  if (req.login) return false;
  // max_age=0 means "authenticate now": no existing session is ever young enough.
  return req.maxAge === undefined || (req.maxAge > 0 && now - createdAt <= req.maxAge * 1000);
}
