/**
 * The README's "Try it without platform credentials" walkthrough, done exactly as written, in Chromium.
 * The commands, the URL, the form values and the curl parameters are read from README.md itself, so the
 * README cannot drift from what works. They run in a fresh-clone-like directory (the repository's files
 * linked, no `.data`), with one change: a free port instead of 8787, so parallel runs never collide.
 *
 * Then the README's "API keys" section, as written: a personal key for the walkthrough's account from the
 * CLI, exchanged at /token with its curl line, and accepted directly by the example API.
 *
 * Along the way it takes screenshots of the dev picker and /account at 1280 and 390 px, light and dark,
 * into test-artifacts/ (gitignored), and checks both pages are in standards mode and fit a phone.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, tempDir } from "../support/temp";
import { hasChromium, launchChromium } from "./page-checks";
import { PAGE_VARIANTS } from "./variants";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ARTIFACTS = join(ROOT, "test-artifacts");
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const README_ORIGIN = "http://localhost:8787";
/** What a clone has that a working copy may add: never linked into the fresh directory. */
const NOT_IN_A_CLONE = new Set([".git", ".data", ".wrangler", "test-artifacts", "authbridge.rules.json", ".dev.vars", "dist"]);

/** The walkthrough's pieces, parsed from README.md. */
function walkthrough() {
  const section = README.slice(README.indexOf("## Try it without platform credentials"));
  const blocks = [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2]!.replace(/\\\n\s*/g, "") }));
  const lines = blocks.flatMap((b) => b.text.split("\n").map((l) => l.trim()));
  const start = lines.find((l) => /^([A-Z_]+=\S+\s+)*npm start$/.test(l));
  const create = lines.find((l) => l.startsWith("npm run authbridge -- clients create"));
  const url = lines.find((l) => l.startsWith(`${README_ORIGIN}/authorize?`));
  const curl = lines.find((l) => l.startsWith("curl ") && l.includes("/token"));
  const json = blocks.find((b) => b.lang === "json")?.text;
  const form = /Keep the platform \*\*(\w+)\*\*, type `([^`]+)` under \*\*Orgs\*\* and\s+`([^`]+)` under \*\*Teams\*\*, and press \*\*([^*]+)\*\*/.exec(section);
  const claims = /"roles":(\[[^\]]*\])/.exec(section);
  if (!start || !create || !url || !curl || !json || !form || !claims) throw new Error("README walkthrough not found (start, create, url, curl, json, form or claims missing)");
  return {
    env: Object.fromEntries(start.split(/\s+/).filter((w) => w.includes("=")).map((w) => w.split("=") as [string, string])),
    createArgs: create.split(/\s+/).slice(1),
    url,
    curlData: [...curl.matchAll(/-d (\S+)/g)].map((m) => m[1]!.split(/=(.*)/s).slice(0, 2) as [string, string]),
    response: JSON.parse(json) as Record<string, unknown>,
    form: { platform: form[1]!, orgs: form[2]!, teams: form[3]!, button: form[4]! },
    roles: JSON.parse(claims[1]!) as string[],
  };
}

/** Words of a shell command line (double quotes group words; nothing else is interpreted). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** The "API keys" section's commands, parsed from README.md. */
function apiKeysSection() {
  const start = README.indexOf("## API keys");
  const section = README.slice(start, README.indexOf("\n## ", start + 1));
  const blocks = [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => m[2]!.replace(/\\\n\s*/g, ""));
  const lines = blocks.flatMap((b) => b.split("\n").map((l) => l.trim()));
  const createKey = lines.find((l) => l.startsWith("npm run authbridge -- api-keys create"));
  const exchange = lines.find((l) => l.startsWith("curl ") && l.includes("/token"));
  const createClient = lines.find((l) => l.startsWith("npm run authbridge -- clients create"));
  const serve = lines.find((l) => l.includes("examples/api/server.ts"));
  const direct = lines.find((l) => l.startsWith("curl ") && l.includes("Authorization: Bearer"));
  const answer = /which answers `(\{[^`]+\})`/.exec(section);
  if (!createKey || !exchange || !createClient || !serve || !direct || !answer) throw new Error("README API keys section not found (a command or the answer is missing)");
  return {
    createKeyArgs: shellWords(createKey).slice(1),
    exchangeData: [...exchange.matchAll(/-d (\S+)/g)].map((m) => m[1]!.split(/=(.*)/s).slice(0, 2) as [string, string]),
    createClientArgs: shellWords(createClient).slice(1),
    serveWords: shellWords(serve),
    directUrl: /(localhost:\d+\/\S+)/.exec(direct)?.[1],
    answer: JSON.parse(answer[1]!.replace("acct_…", "ACCOUNT")) as Record<string, string>,
  };
}

/** Parse the JSON object a CLI command printed (npm prints its own lines first). */
function printed<T>(stdout: string): T {
  return JSON.parse(stdout.slice(stdout.search(/^\{/m))) as T;
}

let walkthroughAccount: string | undefined;

const dir = tempDir("authbridge-readme-");
const clone = join(dir.path, "authbridge");
let server: ChildProcess | undefined;
let serverOutput = "";
let browser: Browser;
let issuer: string;

/** Run a command in the clone as a shell would (its own process group, so stopping it stops npm's children). */
function run(args: string[], env: Record<string, string>): ChildProcess {
  return spawn("npm", args, { cwd: clone, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...env }, detached: true });
}

async function output(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, stdout, stderr };
}

beforeAll(async () => {
  if (!hasChromium) return;
  // A fresh clone: the repository's files, none of its local state.
  mkdirSync(clone);
  for (const name of readdirSync(ROOT)) if (!NOT_IN_A_CLONE.has(name)) symlinkSync(join(ROOT, name), join(clone, name));
  mkdirSync(ARTIFACTS, { recursive: true });

  const port = await freePort();
  issuer = `http://localhost:${port}`;
  server = run(["start"], { ...walkthrough().env, PORT: String(port) });
  const started = server;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not listen:\n${serverOutput}`)), 45_000);
    const onData = (d: Buffer) => {
      serverOutput += d.toString();
      if (serverOutput.includes("listening on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    started.stdout?.on("data", onData);
    started.stderr?.on("data", onData);
    started.once("exit", (code) => reject(new Error(`npm start exited with ${code}:\n${serverOutput}`)));
  });
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (server?.pid && server.exitCode === null) {
    const stopped = new Promise((r) => server!.once("exit", r));
    process.kill(-server.pid, "SIGTERM");
    await stopped;
  }
  dir.remove();
});

/** A context like a person's browser; the client's redirect URI answers like an app that got the code. */
async function newContext(opts: { width: number; dark: boolean; storageState?: Awaited<ReturnType<BrowserContext["storageState"]>> }): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: { width: opts.width, height: opts.width > 500 ? 900 : 844 },
    // A phone: without a viewport meta it lays the page out 980 px wide and zooms out, as real ones do.
    ...(opts.width < 500 ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
    colorScheme: opts.dark ? "dark" : "light",
    ...(opts.storageState ? { storageState: opts.storageState } : {}),
  });
  // "Nothing listens there": answer for it, whatever runs on this machine's port 9999.
  await context.route("http://127.0.0.1:9999/**", (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>client</title>" }));
  return context;
}

/** Standards mode, a viewport meta, and nothing wider than the window. */
async function pageFacts(page: Page) {
  return page.evaluate(() => ({
    compatMode: document.compatMode,
    viewport: document.querySelector('meta[name="viewport"]')?.getAttribute("content") ?? null,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
  }));
}

const VARIANTS = PAGE_VARIANTS;
const shot = (name: string, v: { width: number; dark: boolean }) => join(ARTIFACTS, `${name}-${v.width}-${v.dark ? "dark" : "light"}.png`);

describe.skipIf(!hasChromium)("the README's dev-login walkthrough", () => {
  it("gives a token whose scopes come from the example rules, exactly as the README shows", async () => {
    const w = walkthrough();
    expect(w.env).toEqual({ AUTHBRIDGE_DEV_LOGIN: "1", AUTHBRIDGE_RULES_FILE: "authbridge.rules.example.json" });

    const created = await output(run(w.createArgs, {}));
    expect(created.code, created.stderr).toBe(0);
    const clientId = (JSON.parse(created.stdout.slice(created.stdout.search(/^\{/m))) as { client_id: string }).client_id;
    expect(clientId).toBeTruthy();

    const context = await newContext({ width: 1280, dark: false });
    const page = await context.newPage();
    await page.goto(w.url.replace(README_ORIGIN, issuer).replace("CLIENT_ID", encodeURIComponent(clientId)));
    expect(await page.locator("h1").textContent()).toBe("Dev login");
    expect(await page.getByLabel("Platform").evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.textContent)).toBe(w.form.platform);
    await page.getByLabel("Orgs").fill(w.form.orgs);
    await page.getByLabel("Teams").fill(w.form.teams);
    const [landing] = await Promise.all([page.waitForRequest((r) => r.url().startsWith("http://127.0.0.1:9999/callback")), page.getByRole("button", { name: w.form.button }).click()]);
    const landed = new URL(landing.url());
    expect(landed.searchParams.get("state")).toBe("demo");
    const code = landed.searchParams.get("code");
    expect(code).toBeTruthy();

    const body = new URLSearchParams(w.curlData.map(([k, v]) => [k, v.replace("CLIENT_ID", clientId).replace("CODE", code!)]));
    const res = await fetch(`${issuer}/token`, { method: "POST", body });
    const tokens = (await res.json()) as Record<string, string | number>;
    expect(res.status, JSON.stringify(tokens)).toBe(200);
    expect(Object.keys(tokens).sort()).toEqual(Object.keys(w.response).sort());
    expect(tokens).toMatchObject({ token_type: w.response.token_type, expires_in: w.response.expires_in, scope: w.response.scope });
    const claims = JSON.parse(Buffer.from(String(tokens.access_token).split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: issuer, scope: w.response.scope, roles: w.roles, client_id: clientId });
    walkthroughAccount = String(claims.sub);

    // The account page names the platform the dev identity stands for. A page of its own: the first may
    // still be settling its navigation to the client's redirect URI.
    const account = await context.newPage();
    await account.goto(`${issuer}/account`);
    expect(await account.locator("#identities li strong").first().textContent()).toBe("GitHub (dev)");
    const session = await context.storageState();
    await context.close();

    // Every screenshot first, then the checks, so a failing check still leaves all eight to look at.
    const facts: { page: string; compatMode: string; viewport: string | null; overflow: number }[] = [];
    for (const v of VARIANTS) {
      const ctx = await newContext({ ...v, storageState: session });
      const p = await ctx.newPage();
      await p.goto(w.url.replace(README_ORIGIN, issuer).replace("CLIENT_ID", encodeURIComponent(clientId)) + "&prompt=login");
      expect(await p.locator("h1").textContent()).toBe("Dev login");
      await p.screenshot({ path: shot("dev-picker", v), fullPage: true });
      facts.push({ page: `dev picker ${v.width}`, ...(await pageFacts(p)) });
      await p.goto(`${issuer}/account`);
      expect(await p.locator("h1").textContent()).toBe("Your account");
      await p.screenshot({ path: shot("account", v), fullPage: true });
      facts.push({ page: `account ${v.width}`, ...(await pageFacts(p)) });
      await ctx.close();
    }
    for (const f of facts) expect(f, f.page).toEqual({ page: f.page, compatMode: "CSS1Compat", viewport: "width=device-width, initial-scale=1", overflow: expect.toSatisfy((n: number) => n <= 0) });
  }, 120_000);
  it("gives an API key that is exchanged and accepted directly, exactly as the README shows", async () => {
    const k = apiKeysSection();
    expect(walkthroughAccount).toMatch(/^acct_/);
    const created = await output(run(k.createKeyArgs.map((a) => a.replace("ACCOUNT_ID", walkthroughAccount!)), {}));
    expect(created.code, created.stderr).toBe(0);
    const { key, scopes } = printed<{ key: string; scopes: string[] }>(created.stdout);
    expect(key).toMatch(/^abk_[0-9A-Za-z]{49}$/);

    const res = await fetch(`${issuer}/token`, { method: "POST", body: new URLSearchParams(k.exchangeData.map(([n, v]) => [n, v.replace("API_KEY", key)])) });
    const exchanged = (await res.json()) as Record<string, string>;
    expect(res.status, JSON.stringify(exchanged)).toBe(200);
    expect(exchanged.scope).toBe(scopes.join(" "));

    const rs = await output(run(k.createClientArgs.map((a) => a.replace(README_ORIGIN, issuer)), {}));
    expect(rs.code, rs.stderr).toBe(0);
    const client = printed<{ client_id: string; client_secret: string }>(rs.stdout);
    const apiPort = await freePort();
    const env = Object.fromEntries(k.serveWords.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => w.split("=") as [string, string]));
    expect(env).toEqual({ CLIENT_ID: "CLIENT_ID", CLIENT_SECRET: "CLIENT_SECRET" });
    const command = k.serveWords.filter((w) => !/^[A-Z_]+=/.test(w));
    const api = spawn(command[0]!, command.slice(1), {
      cwd: clone,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", CLIENT_ID: client.client_id, CLIENT_SECRET: client.client_secret, ISSUER: issuer, PORT: String(apiPort) },
      detached: true,
    });
    try {
      let log = "";
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the example API did not listen:\n${log}`)), 30_000);
        const onData = (d: Buffer) => {
          log += d.toString();
          if (log.includes("listening on")) {
            clearTimeout(timer);
            resolve();
          }
        };
        api.stdout?.on("data", onData);
        api.stderr?.on("data", onData);
      });
      expect(log).toContain("API keys accepted");
      const url = `http://${k.directUrl!.replace(/localhost:\d+/, `localhost:${apiPort}`)}`;
      const direct = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
      const body = (await direct.json()) as Record<string, string>;
      expect(direct.status, JSON.stringify(body)).toBe(200);
      expect(body).toEqual({ ...k.answer, message: k.answer.message!.replace("ACCOUNT", walkthroughAccount!) });
    } finally {
      const stopped = new Promise((r) => api.once("exit", r));
      process.kill(-api.pid!, "SIGTERM");
      await stopped;
    }
  }, 90_000);
});
