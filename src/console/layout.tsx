/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The console's page frame: the shared layout, wide, with the sections this viewer may open in the header
 * (developers: their apps and keys; operators also clients, accounts, the audit log and signing keys).
 */
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { PAGE_HEADERS } from "../ui/error-page";
import { Layout } from "../ui/layout";
import type { ConsoleViewer } from "./viewer";

/** The console's sections, in nav order. */
export const CONSOLE_SECTIONS = [
  { id: "apps", href: "/console/apps", label: "Your apps", who: "developer" },
  { id: "keys", href: "/console/keys", label: "Your API keys", who: "developer" },
  { id: "clients", href: "/console/admin/clients", label: "Clients", who: "operator" },
  { id: "accounts", href: "/console/admin/accounts", label: "Accounts", who: "operator" },
  { id: "audit", href: "/console/admin/audit", label: "Audit log", who: "operator" },
  { id: "signing-keys", href: "/console/admin/signing-keys", label: "Signing keys", who: "operator" },
] as const;

/** One section's id. */
export type ConsoleSection = (typeof CONSOLE_SECTIONS)[number]["id"];

/** The nav's list (the layout wraps it in its `<nav>`): the sections this viewer may open, the current one marked. */
function ConsoleNav(props: { viewer: ConsoleViewer; active: ConsoleSection | undefined }) {
  const open = CONSOLE_SECTIONS.filter((s) => (s.who === "operator" ? props.viewer.operator : props.viewer.developer));
  return (
    <ul>
      {open.map((s) => (
        <li>
          <a href={s.href} aria-current={s.id === props.active ? "page" : undefined}>
            {s.label}
          </a>
        </li>
      ))}
      <li>
        <a href="/account">Account</a>
      </li>
    </ul>
  );
}

/**
 * Answer with a console page (secure headers, never cached).
 * @example return consolePage(c, viewer, { title: "Your apps", active: "apps" }, <AppsList … />);
 */
export function consolePage(
  c: Context,
  viewer: ConsoleViewer,
  page: { title: string; active?: ConsoleSection; status?: ContentfulStatusCode },
  children: Child,
): Response | Promise<Response> {
  return c.html(
    <Layout title={page.title} width="wide" nav={<ConsoleNav viewer={viewer} active={page.active} />}>
      {children}
    </Layout>,
    page.status ?? 200,
    { ...PAGE_HEADERS },
  );
}
