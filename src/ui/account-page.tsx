/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** The account page: linked identities (link, unlink), active sessions (revoke), logout. */
import type { Context } from "hono";
import { PAGE_HEADERS } from "./error-page";
import { Layout } from "./layout";

/** What the page shows. */
export interface AccountView {
  accountId: string;
  currentSid: string;
  csrf: string;
  identities: { id: string; provider: string; subject: string; username: string | null; avatar: string | null }[];
  sessions: { id: string; userAgent: string | null; createdAt: number }[];
  linkable: { id: string; label: string }[];
  notice?: string | undefined;
}

const PLATFORM_NAMES: Record<string, string> = { github: "GitHub", discord: "Discord", slack: "Slack", "github-actions": "GitHub Actions" };

/**
 * The platform an identity belongs to, as people call it. A dev-login identity impersonates a platform
 * (its subject is `platform:id`, see providers/dev.ts), so it reads "GitHub (dev)", not "dev".
 * @example identityLabel("dev", "github:7") // "GitHub (dev)"
 */
export function identityLabel(provider: string, subject: string): string {
  if (provider !== "dev") return PLATFORM_NAMES[provider] ?? provider;
  const platform = subject.slice(0, Math.max(0, subject.indexOf(":")));
  return `${PLATFORM_NAMES[platform] ?? "Dev login"} (dev)`;
}

function PostButton(props: { action: string; csrf: string; label: string; disabled?: boolean }) {
  return (
    <form method="post" action={props.action}>
      <input type="hidden" name="csrf" value={props.csrf} />
      <button type="submit" disabled={props.disabled}>
        {props.label}
      </button>
    </form>
  );
}

/** Answer with the account page. */
export function accountPage(c: Context, v: AccountView): Response | Promise<Response> {
  const onlyOne = v.identities.length <= 1;
  return c.html(
    <Layout title="Your account">
      <h1>Your account</h1>
      <p class="muted">Account id: {v.accountId}</p>
      {v.notice ? <p role="status">{v.notice}</p> : null}
      <h2>Linked identities</h2>
      <ul id="identities">
        {v.identities.map((i) => (
          <li data-provider={i.provider}>
            <span>
              <strong>{identityLabel(i.provider, i.subject)}</strong> {i.username ?? ""}
            </span>
            <PostButton action={`/account/identities/${i.id}/unlink`} csrf={v.csrf} label="Unlink" disabled={onlyOne} />
          </li>
        ))}
      </ul>
      {v.linkable.length > 0 ? (
        <p>
          {v.linkable.map((p) => (
            <a class="button" href={`/auth/${p.id}/start?intent=link&return_to=%2Faccount`}>
              Link {p.label}
            </a>
          ))}
        </p>
      ) : null}
      <h2>Active sessions</h2>
      <ul id="sessions">
        {v.sessions.map((s) => (
          <li>
            <span>
              {s.userAgent || "unknown browser"} <span class="muted">since {new Date(s.createdAt).toISOString()}</span>
              {s.id === v.currentSid ? <strong> (this browser)</strong> : null}
            </span>
            <PostButton action={`/account/sessions/${s.id}/revoke`} csrf={v.csrf} label="Revoke" />
          </li>
        ))}
      </ul>
      <h2>Sign out</h2>
      <PostButton action="/logout" csrf={v.csrf} label="Log out" />
    </Layout>,
    200,
    { ...PAGE_HEADERS },
  );
}
