/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** The sign-in chooser shown by `/authorize` when the client named no provider, and by `/signin`. */
import type { Context } from "hono";
import { Layout } from "./layout";
import { PAGE_HEADERS } from "./error-page";
import { PlatformIcon } from "./icons";

/** One way to sign in. */
export interface ChooserOption {
  label: string;
  href: string;
  /** The provider's id (`github`, `discord`, `slack`, `dev`), for its mark; read from `href` when absent. */
  platform?: string | undefined;
}

/** The provider of a `/auth/{provider}/start` link: every option the server builds points there. */
function platformOf(o: ChooserOption): string {
  return o.platform ?? /^\/auth\/([a-z0-9-]+)\/start\b/.exec(o.href)?.[1] ?? "";
}

/**
 * Answer with the chooser page: one full-width button per sign-in method, each with the platform's mark and
 * name ("Continue with GitHub": the accessible name says where the button goes).
 * @example return chooserPage(c, client.name, [{ label: "GitHub", href: "/auth/github/start?intent=login" }]);
 */
export function chooserPage(c: Context, clientName: string, options: ChooserOption[]): Response | Promise<Response> {
  return c.html(
    <Layout title="Sign in">
      <h1>Sign in to continue to {clientName}</h1>
      {options.length === 0 ? (
        <p role="alert">No sign-in method is configured on this server.</p>
      ) : (
        <>
          <p class="muted">Choose the account you want to use.</p>
          <ul class="choices">
            {options.map((o) => (
              <li>
                <a class="button" href={o.href}>
                  <PlatformIcon platform={platformOf(o)} />
                  <span>Continue with {o.label}</span>
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </Layout>,
    200,
    { ...PAGE_HEADERS },
  );
}
