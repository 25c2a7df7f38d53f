/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * A client's OpenID Connect settings as rows of its details list, on the developer's app page and the
 * operator's client page alike.
 */
import type { OidcClientSettings } from "../../oidc/client-settings";
import { CodeList } from "./code-list";

/**
 * A client's OpenID Connect settings as rows of its details list (`<dt>`/`<dd>` pairs).
 * @example <dl><OidcDetails settings={app.oidc} /></dl>
 */
export function OidcDetails(props: { settings: OidcClientSettings }) {
  const { settings } = props;
  return (
    <>
      <dt>ID token algorithm</dt>
      <dd id="app-id-token-alg">
        <code>{settings.idTokenAlg}</code>
      </dd>
      <dt>Signed UserInfo</dt>
      <dd id="app-userinfo-alg">
        {settings.userinfoAlg === null ? (
          <span class="muted">No (JSON)</span>
        ) : (
          <>
            Yes, signed with <code>{settings.userinfoAlg}</code>
          </>
        )}
      </dd>
      <dt>Post-logout redirect URIs</dt>
      <dd id="app-post-logout-uris">
        <CodeList items={settings.postLogoutRedirectUris} none="none" />
      </dd>
    </>
  );
}
