/**
 * The one HTTP helper for platform APIs: every call a platform module makes with a credential (facts,
 * credential checks, userinfo) goes through here. Network errors, timeouts, 5xx, rate limits (GitHub's arrive
 * as a 403) and unexpected shapes are outages (`DependencyUnavailableError`); other 4xx are refusals
 * ({@link ProviderRejectedError} with the status). Never follows a redirect with the credential.
 * An optional observer learns each call's platform, outcome and latency (the app counts them as metrics).
 */
import type { z } from "zod";
import { DependencyUnavailableError } from "../src/errors";
import { ProviderRejectedError } from "../src/domain";

/** How a platform call ended: answered, refused the credential, or did not answer usably. */
export type PlatformCallOutcome = "ok" | "refused" | "unavailable";

/**
 * Told about every finished platform call (metrics). It must not throw; if it does, the call's own result stands.
 * @example const observe: PlatformCallObserver = (platform, outcome, seconds) => metrics.platformCall(platform, outcome, seconds);
 */
export type PlatformCallObserver = (platform: string, outcome: PlatformCallOutcome, seconds: number) => void;

/** Options of {@link fetchPlatform}. */
export interface PlatformFetchOptions {
  token: string;
  scheme?: "Bearer" | "Bot";
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  signal: AbortSignal;
  observe?: PlatformCallObserver | undefined;
}

function isRateLimited(res: Response): boolean {
  return res.status === 429 || (res.status === 403 && (res.headers.get("x-ratelimit-remaining") === "0" || res.headers.has("retry-after")));
}

function report(observe: PlatformCallObserver, provider: string, outcome: PlatformCallOutcome, start: number): void {
  try {
    observe(provider, outcome, (performance.now() - start) / 1000);
  } catch {
    // Metrics never decide a sign-in.
  }
}

/**
 * Call a platform API with a credential and validate the JSON answer.
 * @example const { data, headers } = await fetchPlatform("github", url, User, { token, signal, observe });
 */
export async function fetchPlatform<S extends z.ZodType>(
  provider: string,
  url: string,
  schema: S,
  opts: PlatformFetchOptions,
): Promise<{ data: z.output<S>; headers: Headers }> {
  const observe = opts.observe;
  if (!observe) return call(provider, url, schema, opts);
  const start = performance.now();
  try {
    const answer = await call(provider, url, schema, opts);
    report(observe, provider, "ok", start);
    return answer;
  } catch (err) {
    report(observe, provider, err instanceof ProviderRejectedError ? "refused" : "unavailable", start);
    throw err;
  }
}

async function call<S extends z.ZodType>(provider: string, url: string, schema: S, opts: PlatformFetchOptions): Promise<{ data: z.output<S>; headers: Headers }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: opts.method ?? "GET",
      headers: { Accept: "application/json", ...opts.headers, Authorization: `${opts.scheme ?? "Bearer"} ${opts.token}` },
      signal: opts.signal,
      // A credential is never sent on to wherever a redirect points ("manual": workerd has no "error").
      redirect: "manual",
    });
  } catch (cause) {
    throw new DependencyUnavailableError("provider", `${provider} did not answer`, { cause });
  }
  if (res.status >= 500 || isRateLimited(res) || (res.status >= 300 && res.status < 400)) {
    // Release the connection without waiting: some fetch implementations never settle a cancel.
    res.body?.cancel().catch(() => undefined);
    throw new DependencyUnavailableError("provider", `${provider} answered ${res.status}`);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch (cause) {
    if (!res.ok && !opts.signal.aborted) throw new ProviderRejectedError(provider, `${provider} refused the credential (${res.status})`, { status: res.status });
    // An abort while reading the body is an outage like any other timeout.
    throw new DependencyUnavailableError("provider", `${provider} gave an unreadable answer`, { cause });
  }
  if (!res.ok) throw new ProviderRejectedError(provider, `${provider} refused the credential (${res.status})`, { status: res.status });
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new DependencyUnavailableError("provider", `${provider} gave an unexpected answer`, { cause: parsed.error });
  return { data: parsed.data, headers: res.headers };
}
