/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The account page: linked identities (link, unlink), active sessions (revoke), connected apps (revoke),
 * the account's API keys (create, revoke; a new key shown this once), logout.
 *
 * Styling comes from the shared layout's classes; the few inline `style` attributes (allowed by the pages'
 * CSP) are listed beside KEY_STYLE below, with why.
 */
import { FORM_ONCE_FIELD } from "../session/form-once";
import type { Context } from "hono";
import { PAGE_HEADERS } from "./error-page";
import { ConnectedApps, type ConnectedApp } from "./connected-apps";
import { PlatformIcon } from "./icons";
import { Layout } from "./layout";
import { When } from "./when";

/** An API key as the page lists it: never the key, only its hint. */
export interface ApiKeyRow {
  id: string;
  name: string;
  /** `abk_XXXX…YYYY`. */
  hint: string;
  /** null: everything the account is entitled to. */
  scopes: string[] | null;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
}

/** What the page shows. */
export interface AccountView {
  accountId: string;
  currentSid: string;
  csrf: string;
  /** The new-key form's one-time token (session/form-once.ts): a reload cannot create a second key. */
  keyFormOnce: string;
  /** The time "5 minutes ago" is measured from (epoch ms). */
  now: number;
  identities: { id: string; provider: string; subject: string; username: string | null; avatar: string | null }[];
  sessions: { id: string; userAgent: string | null; createdAt: number }[];
  linkable: { id: string; label: string }[];
  /** The account's live keys, newest first. */
  apiKeys: ApiKeyRow[];
  /** The account's current scopes: what a new key may be limited to. */
  entitledScopes: string[];
  /** Third-party apps the person approved. */
  connectedApps: ConnectedApp[];
  notice?: string | undefined;
  /** A key created by this very request: the only time it is ever shown. */
  newKey?: { name: string; key: string } | undefined;
}

/** The lifetimes offered for a new key (`value` is what the form posts; `seconds` null: no expiry). */
export const API_KEY_EXPIRIES: readonly { value: string; label: string; seconds: number | null }[] = [
  { value: "never", label: "Never", seconds: null },
  { value: "30d", label: "In 30 days", seconds: 30 * 86_400 },
  { value: "90d", label: "In 90 days", seconds: 90 * 86_400 },
  { value: "1y", label: "In 1 year", seconds: 365 * 86_400 },
];

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

/** The platform whose mark an identity shows: a dev identity shows the platform it stands for. */
function identityPlatform(provider: string, subject: string): string {
  if (provider === "dev") return subject.slice(0, Math.max(0, subject.indexOf(":"))) || "dev";
  return provider === "github-actions" ? "github" : provider;
}

/** A one-button form; `ariaLabel` names what the button acts on when its text alone ("Revoke") does not. */
function PostButton(props: { action: string; csrf: string; label: string; ariaLabel?: string; disabled?: boolean }) {
  return (
    <form method="post" action={props.action}>
      <input type="hidden" name="csrf" value={props.csrf} />
      <button type="submit" disabled={props.disabled} aria-label={props.ariaLabel}>
        {props.label}
      </button>
    </form>
  );
}

// Classes are the shared layout's (`notice`, `secret`, `check`, `stacked`); the few inline styles repeat
// what must hold even under an older stylesheet: a 53-character key with no break opportunity wraps
// anywhere rather than widening a phone's page, and a checkbox is not a full-width text field.
const KEY_STYLE = "display:block;overflow-wrap:anywhere;word-break:break-all;user-select:all;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace";
const CHECKBOX_STYLE = "display:inline-block;width:1.25rem;height:1.25rem;min-height:0;margin:0 .6rem 0 0;vertical-align:-.2rem";
const CODE_STYLE = "overflow-wrap:anywhere";

/** The new key, once, with what to do with it. */
function NewKey(props: { name: string; apiKey: string }) {
  return (
    <section id="new-api-key" class="notice" aria-labelledby="new-api-key-title">
      <h2 id="new-api-key-title" style="margin-top:.25rem">
        Your new API key “{props.name}”
      </h2>
      <p>
        <strong>Copy it now: it will not be shown again.</strong> Only a hash of it is kept, so nobody can show it to you later; if you lose it,
        revoke it and create another.
      </p>
      <code id="new-api-key-value" class="secret" aria-label={`API key ${props.name}`} style={KEY_STYLE}>
        {props.apiKey}
      </code>
      <p class="muted">Treat it like a password: it acts as you for what the key allows.</p>
      <p>
        <a href="/account">I have copied it</a>
      </p>
    </section>
  );
}

/** One line of a key's details. */
function KeyDetails(props: { k: ApiKeyRow; now: number }) {
  const { k, now } = props;
  const expired = k.expiresAt !== null && k.expiresAt <= now;
  return (
    <span class="muted" style="display:block">
      created <When at={k.createdAt} now={now} /> · {k.lastUsedAt !== null ? <>last used <When at={k.lastUsedAt} now={now} /></> : "never used"} ·{" "}
      {k.expiresAt === null ? "never expires" : expired ? <strong>expired <When at={k.expiresAt} now={now} /></strong> : <>expires <When at={k.expiresAt} now={now} /></>}
    </span>
  );
}

/** The API keys section: the live keys (hint, scopes, times in words, revoke) and the new-key form. */
function ApiKeys(props: { v: AccountView }) {
  const { v } = props;
  return (
    <section id="api-keys" aria-labelledby="api-keys-title">
      <h2 id="api-keys-title">API keys</h2>
      <p class="muted">Keys let scripts and tools act as you, with your entitlements or fewer. Each is shown once, when you create it.</p>
      {v.apiKeys.length === 0 ? (
        <p>You have no API keys.</p>
      ) : (
        <ul id="api-key-list">
          {v.apiKeys.map((k) => (
            <li data-key-id={k.id}>
              <span>
                <strong>{k.name}</strong> <code>{k.hint}</code>
                <span style="display:block">
                  can use {k.scopes === null ? "everything you are entitled to" : k.scopes.length === 0 ? "no scopes" : <code>{k.scopes.join(" ")}</code>}
                </span>
                <KeyDetails k={k} now={v.now} />
              </span>
              <PostButton action={`/account/api-keys/${k.id}/revoke`} csrf={v.csrf} label="Revoke" ariaLabel={`Revoke key ${k.name}`} />
            </li>
          ))}
        </ul>
      )}
      <h3>New key</h3>
      <form method="post" action="/account/api-keys" class="stacked" style="display:block">
        <input type="hidden" name="csrf" value={v.csrf} />
        <input type="hidden" name={FORM_ONCE_FIELD} value={v.keyFormOnce} />
        <label>
          Name <input name="name" required maxlength={100} placeholder="e.g. ci-deploy" autocomplete="off" />
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {v.entitledScopes.length === 0 ? (
            <p class="muted">You are entitled to no scopes right now. The key will carry whatever you are entitled to each time it is used.</p>
          ) : (
            <>
              <p class="muted" style="margin-top:0">Tick none for everything you are entitled to, as that changes.</p>
              {v.entitledScopes.map((s) => (
                <label class="check" style="font-weight:normal">
                  <input type="checkbox" name="scope" value={s} style={CHECKBOX_STYLE} />
                  <code style={CODE_STYLE}>{s}</code>
                </label>
              ))}
            </>
          )}
        </fieldset>
        <label>
          Expires{" "}
          <select name="expires">
            {API_KEY_EXPIRIES.map((e) => (
              <option value={e.value}>{e.label}</option>
            ))}
          </select>
        </label>
        <p>
          <button type="submit" class="primary">
            Create key
          </button>
        </p>
      </form>
    </section>
  );
}

/** Answer with the account page. */
export function accountPage(c: Context, v: AccountView): Response | Promise<Response> {
  const onlyOne = v.identities.length <= 1;
  return c.html(
    <Layout title="Your account">
      <h1>Your account</h1>
      <p class="muted">Account id: {v.accountId}</p>
      {v.newKey ? <NewKey name={v.newKey.name} apiKey={v.newKey.key} /> : null}
      {v.notice ? <p role="status">{v.notice}</p> : null}
      <h2>Linked identities</h2>
      <ul id="identities">
        {v.identities.map((i) => (
          <li data-provider={i.provider}>
            <span>
              <PlatformIcon platform={identityPlatform(i.provider, i.subject)} /> <strong>{identityLabel(i.provider, i.subject)}</strong> {i.username ?? ""}
            </span>
            <PostButton
              action={`/account/identities/${i.id}/unlink`}
              csrf={v.csrf}
              label="Unlink"
              ariaLabel={`Unlink ${identityLabel(i.provider, i.subject)}${i.username ? ` ${i.username}` : ""}`}
              disabled={onlyOne}
            />
          </li>
        ))}
      </ul>
      {v.linkable.length > 0 ? (
        <p class="actions">
          {v.linkable.map((p) => (
            <a class="button" href={`/auth/${p.id}/start?intent=link&return_to=%2Faccount`}>
              <PlatformIcon platform={p.id} /> Link {p.label}
            </a>
          ))}
        </p>
      ) : null}
      <h2>Active sessions</h2>
      <ul id="sessions">
        {v.sessions.map((s) => (
          <li>
            <span>
              {s.userAgent || "unknown browser"}{" "}
              <span class="muted">
                signed in <When at={s.createdAt} now={v.now} />
              </span>
              {s.id === v.currentSid ? <strong> (this browser)</strong> : null}
            </span>
            <PostButton
              action={`/account/sessions/${s.id}/revoke`}
              csrf={v.csrf}
              label="Revoke"
              ariaLabel={s.id === v.currentSid ? "Revoke the session of this browser" : `Revoke session of ${s.userAgent || "unknown browser"}`}
            />
          </li>
        ))}
      </ul>
      <ConnectedApps apps={v.connectedApps} csrf={v.csrf} now={v.now} />
      <ApiKeys v={v} />
      <h2>Sign out</h2>
      <PostButton action="/logout" csrf={v.csrf} label="Log out" />
    </Layout>,
    200,
    { ...PAGE_HEADERS },
  );
}
