/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** The sign-in chooser shown by `/authorize` when the client named no provider. */
import type { Context } from "hono";
import { Layout } from "./layout";
import { PAGE_HEADERS } from "./error-page";

/** One way to sign in. */
export interface ChooserOption {
  label: string;
  href: string;
}

/** Answer with the chooser page. */
export function chooserPage(c: Context, clientName: string, options: ChooserOption[]): Response | Promise<Response> {
  return c.html(
    <Layout title="Sign in">
      <h1>Sign in to continue to {clientName}</h1>
      {options.length === 0 ? (
        <p>No sign-in method is configured on this server.</p>
      ) : (
        <ul>
          {options.map((o) => (
            <li>
              <a class="button" href={o.href}>
                Continue with {o.label}
              </a>
            </li>
          ))}
        </ul>
      )}
    </Layout>,
    200,
    { ...PAGE_HEADERS },
  );
}
