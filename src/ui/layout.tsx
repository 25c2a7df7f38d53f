/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The shared frame of every HTML page (chooser, dev picker, account, errors, console): doctype, viewport,
 * a header with the product name and an optional nav, the `<main>` landmark, and the one stylesheet. Styles
 * live only here, inline, because the pages' CSP allows inline styles and nothing else: no script, no
 * stylesheet from anywhere.
 */
import type { Child } from "hono/jsx";
import { raw } from "hono/html";

/** The product's name as pages show it. */
export const PRODUCT_NAME = "authbridge";

// Colours are custom properties so one media query gives the dark scheme; `color-scheme` makes form
// controls and scrollbars follow it too. Every text pair is at least 4.5:1 (WCAG AA) in both schemes, and
// control borders and the focus ring at least 3:1 against the page.
const TOKENS =
  ":root{color-scheme:light dark;--fg:#1f2328;--muted:#59636e;--bg:#fff;--surface:#f6f8fa;--line:#d1d9e0;--control:#8c959f;" +
  "--accent:#0969da;--focus:#0969da;--primary:#0969da;--on-primary:#fff;--danger:#cf222e;--on-danger:#fff;" +
  "--ok-bg:#dafbe1;--ok-line:#1a7f37;--alert-bg:#ffebe9;--alert-line:#cf222e;--warn-bg:#fff8c5;--warn-line:#9a6700;--width:40rem}" +
  "@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--surface:#151b23;--line:#3d444d;--control:#656c76;" +
  "--accent:#4493f8;--focus:#4493f8;--primary:#1f6feb;--on-primary:#fff;--danger:#b62324;--on-danger:#fff;" +
  "--ok-bg:#12261e;--ok-line:#2ea043;--alert-bg:#25171c;--alert-line:#f85149;--warn-bg:#272115;--warn-line:#d29922}}";

// The frame: a header band, then one centred column. Sign-in pages read best narrow; the console's tables
// need room, so `<body class="wide">` widens the same column.
const FRAME =
  "*{box-sizing:border-box}" +
  "body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);background:var(--bg)}" +
  "body.wide{--width:72rem}" +
  ".frame{max-width:var(--width);margin:0 auto;padding:0 1rem}" +
  "header.site{border-bottom:1px solid var(--line);background:var(--surface)}" +
  "header.site .frame{display:flex;flex-wrap:wrap;align-items:center;gap:0 1.5rem;padding-top:.3rem;padding-bottom:.3rem}" +
  ".brand{display:inline-flex;align-items:center;min-height:44px;font-weight:700;letter-spacing:.01em;color:var(--fg);text-decoration:none}" +
  // No negative margin to line the first link's text up with the brand: on a phone, where the nav wraps
  // under it, that put the link's box past the page's edge.
  "nav ul{display:flex;flex-wrap:wrap;gap:.25rem;margin:0}" +
  "nav li,nav ul>li{display:block;padding:0;border:0}" +
  "nav a{display:inline-flex;align-items:center;min-height:44px;padding:0 .75rem;border-radius:6px;color:var(--fg);text-decoration:none}" +
  "nav a:hover{background:var(--bg)}nav a[aria-current=page]{font-weight:600;box-shadow:inset 0 -3px 0 var(--accent)}" +
  "main.frame{padding-top:2rem;padding-bottom:3rem}" +
  ".skip{position:absolute;left:-999rem}.skip:focus{left:1rem;top:.5rem;z-index:1;background:var(--bg);padding:.5rem 1rem}";

const TEXT =
  "h1{font-size:1.5rem;line-height:1.25;margin:0 0 1rem;overflow-wrap:anywhere}" +
  "h2{font-size:1.15rem;margin:2rem 0 .5rem}h3{font-size:1rem;margin:1.5rem 0 .5rem}" +
  "p{margin:.75rem 0}a{color:var(--accent);text-underline-offset:.15em}" +
  "code,kbd,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}" +
  "code{overflow-wrap:anywhere}" +
  // An id to quote moves to its own line whole when it fits there, and wraps only on a very narrow screen.
  "code.id{display:inline-block;max-width:100%}" +
  ".muted{color:var(--muted);font-size:.9rem}" +
  ".icon{flex:none;width:1.25em;height:1.25em;vertical-align:-.25em}" +
  // Lists on our pages are rows of things with actions (identities, sessions, apps); `.bullets` for prose.
  "ul{padding:0;margin:1rem 0;list-style:none}ul.bullets{padding-left:1.25rem;list-style:disc}ul.bullets>li{display:list-item;border:0;padding:0}" +
  "ul>li{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;justify-content:space-between;padding:.6rem 0;border-bottom:1px solid var(--line)}" +
  "li>span{min-width:0;overflow-wrap:anywhere}" +
  "ul.choices>li{display:block;border:0;padding:.3rem 0}";

// Every control is at least 44 px tall (WCAG 2.5.5 target size, and a thumb's width on a phone), and focus
// is a thick ring that shows in both schemes; `:focus-visible` keeps it off mouse clicks.
const CONTROLS =
  ":focus-visible{outline:3px solid var(--focus);outline-offset:2px}" +
  "form{display:inline}form.stacked{display:block;max-width:32rem}" +
  "button,.button{display:inline-flex;align-items:center;justify-content:center;gap:.6rem;min-height:44px;min-width:44px;" +
  "padding:.5rem 1rem;font:inherit;font-weight:600;line-height:1.2;text-align:center;border:1px solid var(--control);border-radius:8px;" +
  "background:var(--surface);color:var(--fg);text-decoration:none;cursor:pointer}" +
  "button:hover,.button:hover{border-color:var(--fg)}" +
  ".primary{background:var(--primary);border-color:var(--primary);color:var(--on-primary)}" +
  ".danger{background:var(--danger);border-color:var(--danger);color:var(--on-danger)}" +
  ".primary:hover,.danger:hover{border-color:var(--fg)}" +
  "button:disabled{opacity:.55;cursor:not-allowed}" +
  ".choices .button{display:flex;justify-content:flex-start;width:100%;padding:.75rem 1rem}" +
  // Buttons side by side in running text keep apart when they wrap; `.actions` lays a row out with a gap.
  "p>.button,p>button{margin:0 .5rem .5rem 0}" +
  ".actions{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;margin:1.5rem 0}.actions>.button,.actions>button,.actions>form{margin:0}" +
  "label{display:block;margin:.75rem 0;font-weight:600}" +
  "input,select,textarea{display:block;width:100%;min-height:44px;font:inherit;font-weight:400;padding:.5rem .75rem;margin-top:.3rem;" +
  "border:1px solid var(--control);border-radius:8px;background:var(--bg);color:var(--fg)}" +
  "textarea{min-height:6rem}" +
  // Checkboxes and radios sit inside their label, whose row is the 44 px target.
  "input[type=checkbox],input[type=radio]{display:inline-block;width:1.25rem;min-height:0;height:1.25rem;margin:0 .6rem 0 0;vertical-align:-.2rem;accent-color:var(--primary)}" +
  "label.check{display:flex;align-items:center;min-height:44px;margin:0;font-weight:400}" +
  ".hint{display:block;font-weight:400;color:var(--muted);font-size:.9rem}" +
  "fieldset{border:1px solid var(--line);border-radius:8px;margin:1.25rem 0;padding:.25rem 1rem .75rem}legend{font-weight:600;padding:0 .4rem}";

// Notices: `.notice` (or a bare `role=status` / `role=alert` paragraph) for what just happened; a secret
// shown once in a box that wraps anywhere, so a long token never widens a phone's page, and selects whole.
const BLOCKS =
  ".notice,p[role=status],p[role=alert]{padding:.75rem 1rem;border:1px solid var(--ok-line);border-left-width:4px;border-radius:8px;background:var(--ok-bg)}" +
  ".notice.alert,p[role=alert]{border-color:var(--alert-line);background:var(--alert-bg)}" +
  ".secret{display:block;margin:.75rem 0;padding:.75rem 1rem;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.95rem;" +
  "white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-all;user-select:all;border:2px dashed var(--warn-line);border-radius:8px;background:var(--warn-bg);color:var(--fg)}" +
  "dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem;margin:1rem 0}dt{font-weight:600}dd{margin:0;min-width:0;overflow-wrap:anywhere}";

// Tables scroll inside `.table-wrap` rather than widening the page; `table.stack` turns each row into a card
// on a phone, every cell labelled by its `data-label` (the column's name).
const TABLES =
  ".table-wrap{overflow-x:auto;margin:1rem 0}" +
  "table{width:100%;border-collapse:collapse;font-size:.95rem}caption{text-align:left;font-weight:600;padding:.5rem 0}" +
  // `break-word`, not `anywhere`, in cells: it breaks a word only when nothing else fits, so columns keep
  // their words ("Disabled", a client id) whole on a desktop.
  "th,td{text-align:left;vertical-align:top;padding:.6rem .75rem;border-bottom:1px solid var(--line);overflow-wrap:break-word}td code{overflow-wrap:break-word}" +
  "thead th{background:var(--surface);white-space:nowrap}td form{margin:0}" +
  "@media (max-width:40rem){dl{grid-template-columns:1fr}dd{margin-bottom:.5rem}" +
  "table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}" +
  "table.stack tr{display:block;padding:.5rem 0;border-bottom:1px solid var(--line)}" +
  "table.stack td{display:flex;gap:1rem;padding:.3rem 0;border:0}table.stack td,table.stack td code{overflow-wrap:anywhere;min-width:0}" +
  "table.stack td[data-label]::before{content:attr(data-label);flex:0 0 7.5rem;font-weight:600;color:var(--muted)}}";

const STYLE = TOKENS + FRAME + TEXT + CONTROLS + BLOCKS + TABLES;

/** Inputs of {@link Layout}. */
export interface LayoutProps {
  /** The page's title (the tab shows it with the product's name). */
  title: string;
  children: Child;
  /** The header's navigation (the console's sections): a list of links, shown after the product name. */
  nav?: Child;
  /** `narrow` (default) for sign-in pages and short forms; `wide` for pages with tables. */
  width?: "narrow" | "wide";
}

/**
 * A complete HTML document with our styles. The doctype keeps browsers out of quirks mode, the viewport meta
 * keeps phones from laying the page out 980 px wide, and `<main>` holds the page's own content, so pages
 * bring their `<h1>` and nothing of the frame.
 * @example c.html(<Layout title="Your account"><h1>Your account</h1></Layout>)
 * @example <Layout title="Apps" width="wide" nav={<ul><li><a href="/console/apps" aria-current="page">Apps</a></li></ul>}>…</Layout>
 */
export function Layout(props: LayoutProps) {
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="robots" content="noindex" />
          <title>{`${props.title} · ${PRODUCT_NAME}`}</title>
          <style>{raw(STYLE)}</style>
        </head>
        <body class={props.width === "wide" ? "wide" : undefined}>
          {/* Only pages with a nav have something to skip. */}
          {props.nav ? (
            <a class="skip" href="#main">
              Skip to content
            </a>
          ) : null}
          <header class="site">
            <div class="frame">
              <span class="brand">{PRODUCT_NAME}</span>
              {props.nav ? <nav aria-label="Sections">{props.nav}</nav> : null}
            </div>
          </header>
          <main id="main" class="frame">
            {props.children}
          </main>
        </body>
      </html>
    </>
  );
}
