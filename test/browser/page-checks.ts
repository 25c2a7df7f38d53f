/**
 * The checks every page a person sees goes through in a real browser (Debian's Chromium through
 * playwright-core), shared by the browser tests so that each of them holds its pages to the same bar:
 *
 * - the frame: a doctype (standards mode), `lang="en"`, the viewport meta, one `<main>`, one `<h1>`;
 * - nothing wider than the window, and any element the test names lying inside it;
 * - every control a finger must hit at least 44 px tall, every button named (as assistive technology
 *   computes it, through axe-core);
 * - no time written the machine's way (ISO 8601) where a person reads;
 * - no Content Security Policy violation while the page loads and is drawn;
 * - axe-core finding nothing `serious` or `critical` (moderate and minor findings are printed for the
 *   person reviewing the screenshots, not failed on);
 * - a full-page screenshot `<dir>/<name>-<width>-<light|dark>.png` for a person to look at.
 *
 * The pages forbid every script, and they are checked with the CSP they really have: axe is evaluated
 * through the DevTools protocol, which a page's CSP does not govern, after the page's own CSP violations
 * were read — so one visit serves every check, and a page reached by a POST is reached once.
 *
 * @example
 * const review = pageReview(artifactsDir("consent"));
 * for (const v of PAGE_VARIANTS) {
 *   const context = await newVariantContext(browser, v, { session });
 *   await review.check(context, v, { name: "consent", open: `${issuer}/authorize?…`, status: 200 });
 *   await context.close();
 * }
 * review.expectNoProblems();
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AxeResults } from "axe-core";
import { chromium, type Browser, type BrowserContext, type Page, type Response as PageResponse } from "playwright-core";
import { expect } from "vitest";
import { PAGE_VARIANTS, type PageVariant, type PageVariants } from "./variants";

/** Debian's Chromium. */
export const CHROMIUM = "/usr/bin/chromium";
/** Outside CI a machine without Chromium skips the browser tests; in CI (.ci/run installs it) they must run. */
export const hasChromium = existsSync(CHROMIUM) || process.env.CI === "true";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
/** Form fields, buttons, links styled as buttons, nav links and checkbox rows: what a finger must hit. */
const TARGETS = "button, .button, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, nav a, label.check";
const FRAME = { doctype: "html", compatMode: "CSS1Compat", lang: "en", viewport: "width=device-width, initial-scale=1", mains: 1, h1s: 1 } as const;

/**
 * Start Chromium headless, with nothing of its own reaching the network.
 * @example browser = await launchChromium();
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/** A browser's cookies and storage, to open pages as a signed-in person. */
export type Session = Awaited<ReturnType<BrowserContext["storageState"]>>;

/**
 * A variant as file names and messages spell it: `1280-light`, `390-dark`.
 * @example variantLabel({ width: 390, dark: true }) // "390-dark"
 */
export function variantLabel(v: PageVariant): string {
  return `${v.width}-${v.dark ? "dark" : "light"}`;
}

/**
 * The variants as `it.each` rows: `[label, variant]`.
 * @example it.each(variantCases())("every page at %s", async (_, v) => { … });
 */
export function variantCases(variants: PageVariants = PAGE_VARIANTS): [string, PageVariant][] {
  return variants.map((v) => [variantLabel(v), v]);
}

/**
 * The folder under test-artifacts/ (gitignored) for a test's screenshots, created.
 * @example const ARTIFACTS = artifactsDir("design");
 */
export function artifactsDir(name = ""): string {
  const dir = join(ROOT, "test-artifacts", name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * A browser context like a person's at this width and scheme (a phone, touch and a dense screen, below
 * 500 px), signed in when given a session.
 * @example const context = await newVariantContext(browser, v, { session: signedIn });
 */
export function newVariantContext(browser: Browser, v: PageVariant, opts: { session?: Session } = {}): Promise<BrowserContext> {
  return browser.newContext({
    viewport: { width: v.width, height: v.width > 500 ? 900 : 844 },
    ...(v.width < 500 ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
    colorScheme: v.dark ? "dark" : "light",
    ...(opts.session ? { storageState: opts.session } : {}),
  });
}

/** Steps that end on the page to check; resolving to the answer's response lets `status` be checked. */
export type OpenPage = (page: Page) => Promise<unknown>;

/** One page to check. */
export interface PageCheck {
  /** Names the page in messages and its screenshot. */
  name: string;
  /** A URL, or steps ending on the page (the answer to a form post, say). */
  open: string | OpenPage;
  /** The status the page answers with; `open` must then resolve to the response. */
  status?: number;
  /** Elements that must lie inside the window, left to right (a secret shown once, a list). */
  inWindow?: readonly string[];
}

/** Checks pages one after another and gathers what they find, to fail once with the whole list. */
export interface PageReview {
  /** Open the page in a new tab of `context` (made for `v`), screenshot it, check it, close the tab. */
  check(context: BrowserContext, v: PageVariant, page: PageCheck): Promise<void>;
  /** What fails the test, one line each, prefixed with the page and variant. */
  readonly problems: readonly string[];
  /** Print the moderate and minor axe findings, then fail on any problem. */
  expectNoProblems(): void;
}

/**
 * A review whose screenshots go to `dir`.
 * @example const review = pageReview(artifactsDir("console"));
 */
export function pageReview(dir: string): PageReview {
  const problems: string[] = [];
  const minor: string[] = [];
  return {
    problems,
    async check(context, v, p) {
      const where = `${p.name} ${variantLabel(v)}`;
      const page = await context.newPage();
      const csp: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" && /Content Security Policy/i.test(m.text())) csp.push(m.text());
      });
      try {
        const answer = typeof p.open === "string" ? await page.goto(p.open) : await p.open(page);
        if (p.status !== undefined) expect(statusOf(answer), where).toBe(p.status);
        await page.screenshot({ path: join(dir, `${p.name}-${variantLabel(v)}.png`), fullPage: true });
        const found = await layoutProblems(page, p.inWindow ?? []);
        // Read before axe comes in: only the page's own violations count.
        found.push(...csp.map((e) => `CSP violation: ${e}`));
        const { results, buttons } = await audit(page);
        if (results.passes.length <= 10) found.push(`axe ran only ${results.passes.length} rules`);
        for (const name of buttons) if (!name.trim()) found.push("a button without an accessible name");
        for (const violation of results.violations) {
          const line = `${violation.id} (${violation.impact}) ${violation.help}: ${violation.nodes.map((n) => n.target.join(" ")).join(", ")}`;
          if (violation.impact === "serious" || violation.impact === "critical") found.push(line);
          else minor.push(`${where}: ${line}`);
        }
        problems.push(...found.map((f) => `${where}: ${f}`));
      } finally {
        await page.close();
      }
    },
    expectNoProblems() {
      if (minor.length) console.log(`axe, moderate and minor:\n${minor.join("\n")}`);
      expect(problems).toEqual([]);
    },
  };
}

function statusOf(answer: unknown): number | undefined {
  return answer && typeof (answer as PageResponse).status === "function" ? (answer as PageResponse).status() : undefined;
}

/** The frame, the width, the targets, the elements to keep in the window and ISO times, read as the browser laid them out. */
async function layoutProblems(page: Page, inWindow: readonly string[]): Promise<string[]> {
  const facts = await page.evaluate(
    ({ targets, inWindow }) => ({
      frame: {
        doctype: document.doctype?.name ?? null,
        compatMode: document.compatMode,
        lang: document.documentElement.lang,
        viewport: document.querySelector('meta[name="viewport"]')?.getAttribute("content") ?? null,
        mains: document.querySelectorAll("main").length,
        h1s: document.querySelectorAll("h1").length,
      },
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      short: [...document.querySelectorAll<HTMLElement>(targets)]
        .map((el) => ({ what: `${el.tagName.toLowerCase()} ${(el.textContent ?? "").trim().slice(0, 40) || el.getAttribute("name") || ""}`.trim(), height: el.getBoundingClientRect().height }))
        .filter((t) => t.height < 44)
        .map((t) => `${t.what} is ${t.height.toFixed(1)} px tall`),
      outside: inWindow.filter((sel) => {
        const box = document.querySelector(sel)?.getBoundingClientRect();
        return !box || box.left < 0 || box.right > window.innerWidth;
      }),
      isoTime: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.exec(document.body.innerText)?.[0],
    }),
    { targets: TARGETS, inWindow },
  );
  const found: string[] = [];
  for (const [key, want] of Object.entries(FRAME)) {
    const got = facts.frame[key as keyof typeof FRAME];
    if (got !== want) found.push(`${key} is ${JSON.stringify(got)}, not ${JSON.stringify(want)}`);
  }
  if (facts.overflow > 0) found.push(`${facts.overflow} px wider than the window`);
  found.push(...facts.short);
  found.push(...facts.outside.map((sel) => `${sel} is missing or not inside the window`));
  if (facts.isoTime) found.push(`a time written as ${facts.isoTime}: say it in words`);
  return found;
}

/** axe-core's findings and every button's accessible name (computed by axe, as assistive technology would). */
async function audit(page: Page): Promise<{ results: AxeResults; buttons: string[] }> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: typeof import("axe-core") }).axe;
    // accessibleText reads axe's own tree of the page: set it up for the names, then let run build its own.
    axe.setup();
    const buttons = [...document.querySelectorAll("button, [role=button], input[type=submit], a.button")].map((el) => axe.commons.text.accessibleText(el));
    axe.teardown();
    const results = await axe.run(document, { resultTypes: ["violations"] });
    return { results: JSON.parse(JSON.stringify(results)) as AxeResults, buttons };
  });
}
