/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * A small, generic HTML page for errors (and the header set every HTML page of ours should carry).
 * hono/jsx escapes every interpolated value, so messages may contain user input safely.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { Layout } from "./layout";

/**
 * Security headers for our HTML pages: no framing (clickjacking), no scripts, forms only to ourselves,
 * no referrer leaking codes or states, and never cached.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy":
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cache-Control": "no-store",
};

/** Inputs of {@link errorPage}. */
export interface ErrorPageProps {
  status: number;
  title: string;
  message: string;
  /** The way out, a same-origin path; {@link HOME_LINK} when none is given, so no error page is a dead end. */
  link?: { href: string; label: string } | undefined;
  /** The request's id (http/request-log.ts), for a person to quote; {@link errorPage} fills it in. */
  requestId?: string | undefined;
}

/** Where an error page leads when its caller names nothing better: the start, which finds the reader's way in. */
export const HOME_LINK: Readonly<{ href: string; label: string }> = { href: "/", label: "Go to the start page" };

/** The page itself, for callers composing their own response. */
export function ErrorPage(props: ErrorPageProps) {
  const link = props.link ?? HOME_LINK;
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      <p>{props.message}</p>
      <p class="actions">
        <a class="button" href={link.href}>
          {link.label}
        </a>
      </p>
      {props.requestId ? (
        <p class="muted" id="request-id">
          Request id: <code class="id">{props.requestId}</code> — quote it when you ask for help.
        </p>
      ) : null}
      <p class="muted">HTTP {props.status}</p>
    </Layout>
  );
}

/**
 * Answer with the error page and the secure headers. The request id is the one on this request's log line
 * and `X-Request-Id` header, so what a person quotes finds the line.
 * @example return errorPage(c, { status: 404, title: "Not found", message: "No such sign-in method." });
 */
export function errorPage(c: Context, props: ErrorPageProps): Response | Promise<Response> {
  return c.html(<ErrorPage {...props} requestId={props.requestId ?? c.get("requestId")} />, props.status as ContentfulStatusCode, { ...PAGE_HEADERS });
}
