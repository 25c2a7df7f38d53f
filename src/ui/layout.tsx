/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** The shared page frame of our HTML pages (account page, chooser). */
import type { Child } from "hono/jsx";

const STYLE =
  "body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}" +
  "h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}ul{padding:0;list-style:none}" +
  "li{display:flex;gap:.75rem;align-items:center;justify-content:space-between;padding:.5rem 0;border-bottom:1px solid #eee}" +
  "form{display:inline}button,.button{font:inherit;padding:.3rem .8rem;border:1px solid #888;border-radius:4px;background:#fff;color:#222;text-decoration:none;cursor:pointer}" +
  ".muted{color:#666;font-size:.9rem}";

/** A complete HTML document with our styles. */
export function Layout(props: { title: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{props.title}</title>
        <style>{STYLE}</style>
      </head>
      <body>{props.children}</body>
    </html>
  );
}
