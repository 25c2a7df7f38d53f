/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** The shared page frame of our HTML pages (account page, chooser, errors, dev picker). */
import type { Child } from "hono/jsx";
import { raw } from "hono/html";

// Colours are custom properties so one media query gives the dark scheme; `color-scheme` makes form
// controls and scrollbars follow it too. Inputs and selects are styled for the dev picker's form.
const STYLE =
  ":root{color-scheme:light dark;--fg:#1f2328;--muted:#59636e;--bg:#fff;--line:#d1d9e0;--btn:#f6f8fa;--accent:#0969da}" +
  "@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--line:#3d444d;--btn:#21262d;--accent:#4493f8}}" +
  "*{box-sizing:border-box}" +
  "body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:var(--fg);background:var(--bg)}" +
  "h1{font-size:1.4rem;overflow-wrap:anywhere}h2{font-size:1.1rem;margin-top:2rem}ul{padding:0;list-style:none}" +
  "li{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;justify-content:space-between;padding:.5rem 0;border-bottom:1px solid var(--line)}" +
  "li>span{min-width:0;overflow-wrap:anywhere}" +
  "a{color:var(--accent)}" +
  "form{display:inline}" +
  "button,.button{display:inline-block;font:inherit;padding:.3rem .8rem;border:1px solid var(--line);border-radius:6px;background:var(--btn);color:var(--fg);text-decoration:none;cursor:pointer}" +
  "button:disabled{opacity:.5;cursor:not-allowed}" +
  "label{display:block;margin:.5rem 0}" +
  "input,select{display:block;width:100%;font:inherit;padding:.3rem .5rem;margin-top:.2rem;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}" +
  "fieldset{border:1px solid var(--line);border-radius:6px;margin:1rem 0}" +
  ".muted{color:var(--muted);font-size:.9rem}";

/**
 * A complete HTML document with our styles. The doctype keeps browsers out of quirks mode, and the
 * viewport meta keeps phones from laying the page out 980 px wide.
 * @example c.html(<Layout title="Your account"><h1>Your account</h1></Layout>)
 */
export function Layout(props: { title: string; children: Child }) {
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="robots" content="noindex" />
          <title>{props.title}</title>
          <style>{raw(STYLE)}</style>
        </head>
        <body>{props.children}</body>
      </html>
    </>
  );
}
