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
  /** Optional way out, e.g. `{ href: "/", label: "Back to the start" }` (a same-origin path). */
  link?: { href: string; label: string } | undefined;
}

/** The page itself, for callers composing their own response. */
export function ErrorPage(props: ErrorPageProps) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      <p>{props.message}</p>
      {props.link ? (
        <p>
          <a href={props.link.href}>{props.link.label}</a>
        </p>
      ) : null}
      <p class="muted">HTTP {props.status}</p>
    </Layout>
  );
}

/**
 * Answer with the error page and the secure headers.
 * @example return errorPage(c, { status: 404, title: "Not found", message: "No such sign-in method." });
 */
export function errorPage(c: Context, props: ErrorPageProps): Response | Promise<Response> {
  return c.html(<ErrorPage {...props} />, props.status as ContentfulStatusCode, { ...PAGE_HEADERS });
}
