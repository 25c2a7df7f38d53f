/**
 * `/auth/{provider}/start` and `/auth/{provider}/callback`: the upstream half of a login, ending in an
 * ExternalIdentity handed to the caller's `onIdentity`. Order in the callback matters: the provider's
 * `?error=` is answered first (the middleware would redirect to the provider again: a loop), then the
 * signed flow cookie and `state` (login CSRF), then the single use of the flow, then the provider, within
 * a bounded time. Each flow's state is recorded in the state store at start and taken once at the callback,
 * so a copied flow cookie cannot be replayed within its lifetime.
 */
import { Hono, type Context } from "hono";
import type { AppDeps } from "../deps";
import { DependencyUnavailableError } from "../errors";
import { TimeoutError } from "../lib/timeout";
import { MAX_FORM_BYTES, readBodyText } from "../oauth/form";
import type { StateStore } from "../store/store";
import { errorPage } from "../ui/error-page";
import { ProviderRejectedError, type ExternalIdentity, type Provider } from "../domain";
import { clearFlowCookie, clearFlowCookieHeader, FLOW_TTL_SECONDS, flowCookieName, newFlow, readFlowCookie, writeFlowCookie, type FlowIntent } from "./flow-cookie";

/** What `onIdentity` learns about the flow besides the identity. */
export interface FlowOutcome {
  intent: FlowIntent;
  /** Same-origin path checked at start. */
  returnTo: string;
}

/** Options of {@link loginRoutes}. */
export interface LoginRoutesOptions {
  /** Enabled login connectors by id (see `loginProviders` in src/platforms.ts). */
  providers: ReadonlyMap<string, Provider>;
  /** Called once the identity is established; its response ends the callback (the flow cookie is cleared on it). */
  onIdentity(c: Context, identity: ExternalIdentity, flow: FlowOutcome): Promise<Response>;
  /** Time budget of a provider callback in ms (default 5000). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;

/** State-store key of a started, not yet used flow. */
const flowKey = (provider: string, state: string) => `flow:${provider}:${state}`;
const MAX_RETURN_TO = 2048;

/**
 * True for a same-origin path: one leading `/`, no `//` or `/\` (protocol-relative in browsers), no
 * backslash, scheme or control character anywhere, also after percent-decoding (`/%5Cevil`).
 * @example isSafeReturnTo("/account") // true; isSafeReturnTo("//evil.com") // false
 */
export function isSafeReturnTo(value: string): boolean {
  if (value.length === 0 || value.length > MAX_RETURN_TO) return false;
  let v = value;
  // Decode a few rounds: some hop (a proxy, a client) may decode once more than we do.
  for (let round = 0; round < 3; round++) {
    if (!v.startsWith("/") || v.startsWith("//") || v.includes("\\")) return false;
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(v)) return false;
    let next: string;
    try {
      next = decodeURIComponent(v);
    } catch {
      return false;
    }
    if (next === v) break;
    v = next;
  }
  const base = "http://origin.invalid";
  const u = new URL(value, base);
  return u.origin === base;
}

const REFUSED_LOGIN = {
  status: 400,
  title: "Sign-in could not be completed",
  message:
    "This sign-in was not started in this browser, was already used or has expired. For your safety it was refused. Please start again.",
  link: { href: "/", label: "Start again" },
} as const;

function rejectedMessage(label: string): string {
  return `${label} did not accept this sign-in (the code may have expired or been used already). Please start again.`;
}

function bounded<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DependencyUnavailableError("provider", "the provider did not answer in time"));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function equal(a: string, b: string): boolean {
  // Constant-time over the longer length, so the comparison does not leak a prefix.
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}

async function callbackParams(c: Context): Promise<URLSearchParams> {
  const params = new URL(c.req.url).searchParams;
  if (c.req.method !== "POST") return params;
  // A form_post answer is a small urlencoded form (OIDC Form Post Response Mode); read it bounded, and
  // anything else (another type, too large, unreadable) as no parameters: the state check then refuses it.
  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return new URLSearchParams();
  const text = await readBodyText(c, MAX_FORM_BYTES).catch(() => "");
  const out = new URLSearchParams();
  for (const [k, v] of new URLSearchParams(text)) out.set(k, v); // the last value wins, as before
  return out;
}

function withClearedCookie(res: Response, header: string, name: string): Response {
  if (res.headers.getSetCookie().some((h) => h.startsWith(`${name}=`))) return res;
  // `onIdentity` may answer with a Response it built itself; make sure the flow cookie still goes.
  const out = new Response(res.body, res);
  out.headers.append("Set-Cookie", header);
  return out;
}

/**
 * Mount the upstream login routes.
 * @example app.route("/", loginRoutes(deps, { providers: buildProviders(deps.config), onIdentity }));
 */
export function loginRoutes(deps: Pick<AppDeps, "config" | "logger" | "now"> & { store: Pick<StateStore, "put" | "take"> }, opts: LoginRoutesOptions): Hono {
  const { config, logger } = deps;
  const app = new Hono();
  const notFound = (c: Context) =>
    errorPage(c, { status: 404, title: "Unknown sign-in method", message: "This sign-in method does not exist or is not enabled." });

  app.get("/auth/:provider/start", async (c) => {
    const provider = opts.providers.get(c.req.param("provider"));
    if (!provider) return notFound(c);
    const intent = c.req.query("intent") ?? "login";
    if (intent !== "login" && intent !== "link") {
      return errorPage(c, { status: 400, title: "Bad request", message: "intent must be login or link." });
    }
    const returnTo = c.req.query("return_to") ?? "/";
    if (!isSafeReturnTo(returnTo)) {
      return errorPage(c, { status: 400, title: "Bad request", message: "return_to must be a path on this site." });
    }
    const flow = newFlow(intent, returnTo, deps.now());
    await deps.store.put(flowKey(provider.id, flow.state), "1", FLOW_TTL_SECONDS);
    await writeFlowCookie(c, config, provider.id, flow);
    return provider.start(c, { state: flow.state, nonce: flow.nonce, codeVerifier: flow.codeVerifier });
  });

  app.on(["GET", "POST"], "/auth/:provider/callback", async (c) => {
    const provider = opts.providers.get(c.req.param("provider"));
    if (!provider) return notFound(c);
    const read = await readFlowCookie(c, config, provider.id, deps.now());
    clearFlowCookie(c, config, provider.id); // single use, whatever happens next
    const params = await callbackParams(c);

    const error = params.get("error");
    if (error !== null) {
      // Only a short code is echoed; a provider's free-text description is attacker-controllable.
      const code = /^[a-z_]{1,64}$/.test(error) ? error : "error";
      const message =
        code === "access_denied"
          ? `You cancelled the sign-in at ${provider.label}, or ${provider.label} denied it. Nothing was changed.`
          : `${provider.label} could not sign you in (${code}). Nothing was changed.`;
      return errorPage(c, { status: 400, title: "Sign-in cancelled", message, link: { href: "/", label: "Back to the start" } });
    }
    if (!read.ok) {
      logger.warn("login flow refused", { provider: provider.id, reason: read.reason });
      return errorPage(c, REFUSED_LOGIN);
    }
    const { flow } = read;
    if (!equal(params.get("state") ?? "", flow.state)) {
      logger.warn("login flow refused", { provider: provider.id, reason: "state mismatch" });
      return errorPage(c, REFUSED_LOGIN);
    }
    // Taken once: a replayed cookie (a copy, or a callback already answered) finds nothing.
    if ((await deps.store.take(flowKey(provider.id, flow.state))) === null) {
      logger.warn("login flow refused", { provider: provider.id, reason: "already used or unknown" });
      return errorPage(c, REFUSED_LOGIN);
    }

    let identity: ExternalIdentity;
    try {
      const signal = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      const input = { state: flow.state, nonce: flow.nonce, codeVerifier: flow.codeVerifier, params, signal };
      identity = await bounded(provider.callback(c, input), signal);
    } catch (err) {
      if (err instanceof ProviderRejectedError) {
        logger.warn("provider refused the login", { provider: provider.id, error: err.message });
        return errorPage(c, { status: 400, title: "Sign-in failed", message: rejectedMessage(provider.label), link: { href: "/", label: "Start again" } });
      }
      // Outages, timeouts and garbage answers alike: the platform is not usable right now.
      const name = err instanceof Error ? err.name : "unknown";
      const known = err instanceof DependencyUnavailableError || err instanceof TimeoutError;
      logger.warn("provider unavailable", { provider: provider.id, name, error: err instanceof Error ? err.message : String(err), known });
      const res = await errorPage(c, {
        status: 503,
        title: `${provider.label} is not answering`,
        message: `We could not reach ${provider.label} to finish your sign-in. Please try again in a moment.`,
        link: { href: "/", label: "Back to the start" },
      });
      res.headers.set("Retry-After", "5");
      return res;
    }
    const res = await opts.onIdentity(c, identity, { intent: flow.intent, returnTo: flow.returnTo });
    return withClearedCookie(res, clearFlowCookieHeader(config, provider.id), flowCookieName(config, provider.id));
  });

  return app;
}
