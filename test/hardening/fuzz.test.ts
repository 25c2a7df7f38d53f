/**
 * SECURITY.md "Every endpoint fed malformed input (fuzzed) answers 4xx with the documented error shape; never
 * 5xx" and "No response ever carries a stack trace, a secret or a token hash", against the real Node server
 * (a child process on the embedded store). At least 10,000 generated requests over every route: random
 * methods, paths with bad percent-encoding and unicode, query strings, form and other bodies, oversized
 * values, Basic/Bearer garbage, cookies (real ones too: a signed-in session, its CSRF token, live tokens, an
 * unused code), so requests get past the first checks. The server's memory must stay bounded meanwhile.
 *
 * Rate limits are off here: with them on, most requests would stop at a 429 and never reach the code behind.
 * The seed is random per run and printed on failure; FUZZ_SEED=<n> replays a run.
 */
import { Agent, request } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createClient } from "../../src/clients/registry";
import { openDatabase } from "../../src/db/client";
import { applyMigrations } from "../../src/db/migrate";
import { generateSecret } from "../../src/lib/secret";
import { MAX_FORM_BYTES } from "../../src/oauth/form";
import { refreshKey } from "../../src/tokens/refresh";
import { FakeBrowser } from "../support/fakes";
import { authorizeUrl, pkce } from "../support/login";
import { tempDir } from "../support/temp";
import { spawnServer, type SpawnedServer } from "./spawned-server";

const RUNS = 10_000;
const CONCURRENCY = 8;
const MB = 1024 * 1024;
const CB = "https://app.example.com/cb";
const EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";

/** One generated request. */
interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** What the run learned about the server, fed back into the generators. */
interface Known {
  issuer: string;
  clients: Array<{ id: string; secret?: string; secretHash?: string | null }>;
  accessTokens: string[];
  refreshTokens: string[];
  codes: string[];
  verifiers: string[];
  sessionCookie: string;
  csrf: string;
  sids: string[];
  identityIds: string[];
  flowCookies: string[];
  states: string[];
}

const dir = tempDir("authbridge-fuzz-");
const secret = generateSecret();
let server: SpawnedServer;
let known: Known;
/** Strings no answer may contain (unless the request itself carried them). */
let forbidden: string[] = [];

// ---------------------------------------------------------------- set-up: clients, a signed-in browser, tokens

async function createClients(databaseUrl: string) {
  const { db, client } = openDatabase({ url: databaseUrl });
  await applyMigrations(db);
  const conf = await createClient(db, { name: "web", redirectUris: [CB], scopes: ["profile", "invoices:read"], grants: ["authorization_code", "refresh_token", "client_credentials"] });
  const pub = await createClient(db, { name: "spa", isPublic: true, redirectUris: [CB] });
  const exch = await createClient(db, { name: "bots", grants: [EXCHANGE], scopes: ["deploy"] });
  const svc = await createClient(db, { name: "svc", scopes: ["invoices:read"], audiences: ["https://reports.example.com"] });
  client.close();
  return [conf, pub, exch, svc].map(({ client: c, secret: s }) => ({ id: c.id, secret: s, secretHash: c.secretHash }));
}

/** A browser (cookie jar) speaking to the spawned server under its issuer's name. */
function browser(issuer: string): FakeBrowser {
  return new FakeBrowser(
    {
      fetch: async (req: Request) => {
        const u = new URL(req.url);
        const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer();
        return fetch(`${server.url}${u.pathname}${u.search}`, { method: req.method, headers: req.headers, body, redirect: "manual" });
      },
    },
    issuer,
  );
}

async function signIn(issuer: string, conf: { id: string; secret?: string }) {
  const b = browser(issuer);
  const start = await b.request(`${issuer}/auth/dev/start?intent=login&return_to=%2Faccount`);
  const state = /name="state" value="([^"]+)"/.exec(await start.text())?.[1];
  if (!state) throw new Error("no dev picker state");
  const form = new URLSearchParams({ state, impersonate: "github", subject: "fuzz-1", username: "fuzz", orgs: "acme" });
  const cb = await b.request(`${issuer}/auth/dev/callback`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: issuer }, body: form.toString() });
  if (cb.status !== 302) throw new Error(`dev callback answered ${cb.status}`);
  const account = await (await b.request(`${issuer}/account`)).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(account)?.[1] ?? "";
  const identityIds = [...account.matchAll(/\/account\/identities\/([^/"]+)\/unlink/g)].map((m) => m[1]!);
  const sids = [...account.matchAll(/\/account\/sessions\/([^/"]+)\/revoke/g)].map((m) => m[1]!);

  const codes: string[] = [];
  const verifiers: string[] = [];
  for (let i = 0; i < 3; i++) {
    const { verifier, challenge } = pkce();
    const res = await b.request(authorizeUrl(issuer, { response_type: "code", client_id: conf.id, redirect_uri: CB, code_challenge: challenge, code_challenge_method: "S256", state: "s", scope: "profile" }));
    const code = new URL(res.headers.get("location") ?? CB).searchParams.get("code");
    if (code) {
      codes.push(code);
      verifiers.push(verifier);
    }
  }
  if (codes.length === 0) throw new Error("no authorization code");
  // Redeem one: its tokens are live; the others stay unused for the fuzz to find.
  const basic = `Basic ${btoa(`${conf.id}:${conf.secret}`)}`;
  const tok = await fetch(`${server.url}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic },
    body: new URLSearchParams({ grant_type: "authorization_code", code: codes.shift()!, redirect_uri: CB, code_verifier: verifiers.shift()! }),
  });
  const tokens = (await tok.json()) as { access_token?: string; refresh_token?: string };
  if (!tokens.access_token || !tokens.refresh_token) throw new Error(`token answered ${tok.status}`);
  // A flow cookie and state of a started (not finished) dev login.
  const again = browser(issuer);
  const started = await again.request(`${issuer}/auth/dev/start?intent=login&return_to=%2F`);
  const flowState = /name="state" value="([^"]+)"/.exec(await started.text())?.[1] ?? "";
  const flowCookies = [...again.cookies].map(([n, c]) => `${n}=${c.value}`);
  return {
    sessionCookie: [...b.cookies].map(([n, c]) => `${n}=${c.value}`).join("; "),
    csrf,
    identityIds,
    sids,
    codes,
    verifiers,
    accessTokens: [tokens.access_token],
    refreshTokens: [tokens.refresh_token],
    flowCookies,
    states: [flowState],
  };
}

async function clientCredentialsToken(c: { id: string; secret?: string }): Promise<string> {
  const res = await fetch(`${server.url}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${btoa(`${c.id}:${c.secret}`)}` },
    body: "grant_type=client_credentials",
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  const databaseUrl = `file:${dir.path}/fuzz.db`;
  const clients = await createClients(databaseUrl);
  server = await spawnServer({
    cwd: dir.path,
    env: {
      DATABASE_URL: databaseUrl,
      AUTHBRIDGE_SECRET: secret,
      AUTHBRIDGE_DEV_LOGIN: "1",
      AUTHBRIDGE_RULES: JSON.stringify({ rules: [{ when: {}, grant: ["profile"] }] }),
      GITHUB_CLIENT_ID: "gh-id",
      GITHUB_CLIENT_SECRET: "gh-secret-value",
      DISCORD_CLIENT_ID: "123456789",
      DISCORD_CLIENT_SECRET: "discord-secret-value",
      SLACK_CLIENT_ID: "1.2",
      SLACK_CLIENT_SECRET: "slack-secret-value",
      RATE_LIMIT_PER_MINUTE: "0",
      AUTH_FAILURES_PER_MINUTE: "0",
      LOG_LEVEL: "error",
    },
  });
  const issuer = /issuer (\S+)\)/.exec(server.output())?.[1] ?? `http://localhost:${server.port}`;
  const session = await signIn(issuer, clients[0]!);
  known = { issuer, clients, ...session };
  known.accessTokens.push(await clientCredentialsToken(clients[3]!));
  forbidden = [
    secret,
    "gh-secret-value",
    "discord-secret-value",
    "slack-secret-value",
    ...clients.flatMap((c) => [c.secret, c.secretHash].filter((s): s is string => !!s)),
    ...(await Promise.all(known.refreshTokens.map(refreshKey))),
  ];
}, 60_000);

afterAll(async () => {
  await server?.stop();
  dir.remove();
});

// ---------------------------------------------------------------- generators

const NASTY = [
  "",
  " ",
  "%",
  "%%",
  "%zz",
  "%E0%A4%A",
  "%C0%AF",
  "%FF%FE",
  "%00",
  "%0d%0aSet-Cookie:%20x=1",
  "\u0000",
  "null",
  "undefined",
  "[]",
  "{}",
  "__proto__",
  "constructor",
  "../../etc/passwd",
  "..%2F..%2F",
  "//evil.example",
  "/\\evil.example",
  "https://evil.example/cb",
  "javascript:alert(1)",
  "<script>alert(1)</script>",
  "'\"`",
  "${7*7}",
  "abk_0000000000000000000000000000000000000000000",
  "rt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
  "eyJhbGciOiJIUzI1NiIsImtpZCI6Ii4uLy4uIn0.e30.AAAA",
  "\u202e\ud83d\ude00\u0301",
  "\ud800",
  "-1",
  "1e309",
  "9".repeat(40),
  "a".repeat(300),
];

/** Lone surrogates cannot be percent-encoded (nor sent); they become U+FFFD. */
const wellFormed = (s: string) => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");

// Well-formed: a lone surrogate cannot travel in UTF-8 anyway.
const junk: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
  { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 24_000 }).map((n) => "A".repeat(n)) },
).map(wellFormed);

/** A known value (so requests get past the first checks) or junk. */
const value = (...knownValues: string[]) => (knownValues.length ? fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...knownValues) }, { weight: 3, arbitrary: junk }) : junk);

/** Percent-encode properly, or leave raw (bad escapes, unicode) for the server to cope with. */
const encoded = (s: string, raw: boolean) => (raw ? wellFormed(s).replace(/[&=#\s]/g, (c) => encodeURIComponent(c)) : encodeURIComponent(wellFormed(s)));

function pairsArb(keys: string[], values: (key: string) => fc.Arbitrary<string>): fc.Arbitrary<Array<[string, string]>> {
  const key = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: junk });
  return fc.array(key.chain((k) => values(k).map((v): [string, string] => [k, v])), { maxLength: 9 });
}

const urlencoded = (pairs: Array<[string, string]>, raw: boolean) => pairs.map(([k, v]) => `${encoded(k, raw)}=${encoded(v, raw)}`).join("&");

/** A form body or something else entirely, with a content type that may or may not match it. */
function bodyArb(pairs: fc.Arbitrary<Array<[string, string]>>) {
  const form = fc.tuple(pairs, fc.boolean()).map(([p, raw]) => urlencoded(p, raw));
  return fc.record({
    body: fc.oneof(
      { weight: 6, arbitrary: form },
      { weight: 1, arbitrary: pairs.map((p) => JSON.stringify(Object.fromEntries(p))) },
      { weight: 1, arbitrary: junk },
      { weight: 1, arbitrary: form.map((f) => `${f}&pad=${"x".repeat(MAX_FORM_BYTES)}`) },
    ),
    type: fc.oneof(
      { weight: 6, arbitrary: fc.constant("application/x-www-form-urlencoded") },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          "application/x-www-form-urlencoded; charset=ISO-8859-1",
          "APPLICATION/X-WWW-FORM-URLENCODED",
          "application/json",
          "text/plain",
          "multipart/form-data; boundary=x",
          "multipart/form-data",
          "",
        ),
      },
      { weight: 1, arbitrary: junk },
    ),
  });
}

function authorizationArb(k: Known): fc.Arbitrary<string | undefined> {
  const ids = k.clients.map((c) => c.id);
  const secrets = k.clients.flatMap((c) => (c.secret ? [c.secret] : []));
  const basic = fc.tuple(value(...ids), value(...secrets), fc.boolean()).map(([id, s, enc]) => {
    const pair = enc ? `${encodeURIComponent(id)}:${encodeURIComponent(s)}` : `${id}:${s}`;
    return `Basic ${Buffer.from(pair, "utf8").toString("base64")}`;
  });
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: basic },
    { weight: 3, arbitrary: value(...k.accessTokens, ...k.refreshTokens).map((t) => `Bearer ${t}`) },
    { weight: 1, arbitrary: junk.map((j) => `Basic ${j}`) },
    { weight: 1, arbitrary: fc.constantFrom("Bearer", "Basic", "Bearer  ", "bearer x y", "Basic Og==", "Basic OjpBYmM=", "Digest x") },
    { weight: 1, arbitrary: junk },
  );
}

function cookieArb(k: Known): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fc.constant(k.sessionCookie) },
    { weight: 1, arbitrary: fc.constantFrom(...k.flowCookies, ...(k.flowCookies.length ? [] : [""])) },
    { weight: 1, arbitrary: junk.map((j) => `ab_session=${j}`) },
    { weight: 1, arbitrary: junk.map((j) => `ab_flow_dev=${j}; ab_flow_github=${j}`) },
    { weight: 1, arbitrary: junk },
  );
}

/** One route: its method, path and parameters. */
function routesArb(k: Known): fc.Arbitrary<Omit<FuzzRequest, "headers"> & { type?: string }> {
  const ids = k.clients.map((c) => c.id);
  const secrets = k.clients.flatMap((c) => (c.secret ? [c.secret] : []));
  const tokens = [...k.accessTokens, ...k.refreshTokens];
  const providers = fc.oneof({ weight: 4, arbitrary: fc.constantFrom("github", "discord", "slack", "dev") }, { weight: 1, arbitrary: junk.map((j) => encoded(j, true) || "x") });
  const query = (pairs: fc.Arbitrary<Array<[string, string]>>) =>
    fc.tuple(pairs, fc.boolean(), fc.oneof({ weight: 9, arbitrary: fc.constant("") }, { weight: 1, arbitrary: junk.map((j) => `&${encoded(j, true)}`) })).map(
      ([p, raw, tail]) => (p.length || tail ? `?${urlencoded(p, raw)}${tail}` : ""),
    );

  const authorizeValues = (key: string): fc.Arbitrary<string> => {
    switch (key) {
      case "client_id":
        return value(...ids, "https://evil.example/client.json");
      case "redirect_uri":
        return value(CB, `${CB}/`, "https://evil.example/cb");
      case "response_type":
        return value("code", "token", "code id_token");
      case "code_challenge_method":
        return value("S256", "plain");
      case "code_challenge":
        return value(pkce().challenge);
      case "provider":
        return value("github", "discord", "slack", "dev");
      case "resource":
        return value("https://reports.example.com", k.issuer);
      case "scope":
        return value("profile", "openid profile", "invoices:read");
      default:
        return junk;
    }
  };
  const tokenValues = (key: string): fc.Arbitrary<string> => {
    switch (key) {
      case "grant_type":
        return value("authorization_code", "refresh_token", "client_credentials", EXCHANGE, "password", "implicit");
      case "code":
        return value(...k.codes);
      case "code_verifier":
        return value(...k.verifiers);
      case "refresh_token":
      case "token":
        return value(...tokens);
      case "client_id":
        return value(...ids);
      case "client_secret":
        return value(...secrets);
      case "subject_token_type":
        // Platform types are named too: the clients allowed to exchange are refused them before any
        // platform is called (only `bots` may exchange, and it is mostly sent junk that fails cheap checks).
        return value("urn:authbridge:token-type:api-key", "urn:authbridge:token-type:github-actions", "urn:ietf:params:oauth:token-type:access_token");
      case "subject_token":
        return value(...tokens, "abk_x");
      case "token_type_hint":
        return value("access_token", "refresh_token", "api_key");
      default:
        return authorizeValues(key);
    }
  };
  const TOKEN_KEYS = ["grant_type", "code", "redirect_uri", "code_verifier", "refresh_token", "scope", "resource", "client_id", "client_secret", "subject_token", "subject_token_type", "actor_token", "requested_token_type", "audience"];
  const AUTHORIZE_KEYS = ["response_type", "client_id", "redirect_uri", "code_challenge", "code_challenge_method", "state", "scope", "provider", "resource", "prompt", "nonce", "max_age", "login_hint", "response_mode"];
  const CALLBACK_KEYS = ["code", "state", "error", "error_description", "impersonate", "subject", "username", "email", "orgs", "teams", "guilds", "roles", "team", "enterprise"];
  const callbackValues = (key: string) => (key === "state" ? value(...k.states) : key === "impersonate" ? value("github", "discord", "slack") : key === "error" ? value("access_denied", "server_error") : junk);

  const post = (path: fc.Arbitrary<string>, keys: string[], values: (key: string) => fc.Arbitrary<string>) =>
    fc.tuple(path, bodyArb(pairsArb(keys, values))).map(([p, { body, type }]) => ({ method: "POST", path: p, body, type }));
  const get = (path: fc.Arbitrary<string>, keys: string[] = [], values: (key: string) => fc.Arbitrary<string> = () => junk) =>
    fc.tuple(path, query(pairsArb(keys.length ? keys : ["x"], values))).map(([p, q]) => ({ method: "GET", path: `${p}${q}` }));
  const rawSeg = fc.oneof(junk.map((s) => encoded(s, true) || "x"), fc.constantFrom("%", "%zz", "%E0%A4%A", "%2e%2e", "..", "%2F"));
  const seg = (...knownValues: string[]) => fc.oneof({ weight: 3, arbitrary: value(...knownValues).map((s) => encoded(s, false) || "x") }, { weight: 1, arbitrary: rawSeg });

  return fc.oneof(
    get(fc.constantFrom("/.well-known/oauth-authorization-server", "/.well-known/jwks.json", "/.well-known/openid-configuration")),
    get(rawSeg.map((s) => `/.well-known/${s}`)),
    { weight: 4, arbitrary: get(fc.constant("/authorize"), AUTHORIZE_KEYS, authorizeValues) },
    get(fc.constant("/authorize/resume"), ["flow", "state", "id"], () => junk),
    { weight: 6, arbitrary: post(fc.constant("/token"), TOKEN_KEYS, tokenValues) },
    { weight: 3, arbitrary: post(fc.constantFrom("/revoke", "/introspect"), ["token", "token_type_hint", "client_id", "client_secret"], tokenValues) },
    { weight: 2, arbitrary: get(fc.constant("/userinfo")) },
    get(providers.map((p) => `/auth/${p}/start`), ["intent", "return_to"], (key) => (key === "intent" ? value("login", "link") : value("/account", "//evil.example", "/\\evil", "https://evil.example"))),
    { weight: 2, arbitrary: get(providers.map((p) => `/auth/${p}/callback`), CALLBACK_KEYS, callbackValues) },
    { weight: 2, arbitrary: post(providers.map((p) => `/auth/${p}/callback`), CALLBACK_KEYS, callbackValues) },
    get(fc.constantFrom("/account", "/signin", "/", "/healthz", "/metrics")),
    { weight: 2, arbitrary: post(seg(...k.identityIds).map((id) => `/account/identities/${id}/unlink`), ["csrf"], () => value(k.csrf)) },
    { weight: 2, arbitrary: post(seg(...k.sids).map((sid) => `/account/sessions/${sid}/revoke`), ["csrf"], () => value(k.csrf)) },
    post(fc.constant("/logout"), ["csrf"], () => value(k.csrf)),
    get(fc.array(rawSeg, { minLength: 1, maxLength: 4 }).map((segs) => `/${segs.join("/")}`)),
  );
}

/** Header values as Node's client will send them: Latin-1 without control characters. */
const headerSafe = (s: string) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, "?");
/** Request targets as Node's client will send them. */
const pathSafe = (s: string) => wellFormed(s).replace(/[^\x21-\x7e\x80-\xff]/gu, (c) => encodeURIComponent(c).replace(/%25/g, "%"));

function requestArb(k: Known): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      route: routesArb(k),
      method: fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "PROPFIND") }),
      authorization: authorizationArb(k),
      cookie: cookieArb(k),
      origin: fc.option(fc.constantFrom(k.issuer, "https://evil.example", "null"), { nil: undefined }),
      extra: fc.array(fc.tuple(fc.constantFrom("x-forwarded-for", "x-forwarded-host", "accept", "accept-language", "user-agent", "x-test"), junk), { maxLength: 2 }),
    })
    .map(({ route, method, authorization, cookie, origin, extra }) => {
      const headers: Record<string, string> = {};
      for (const [name, v] of extra) headers[name] = headerSafe(v).slice(0, 4000);
      if (authorization !== undefined) headers.authorization = headerSafe(authorization).slice(0, 8000);
      if (cookie !== undefined) headers.cookie = headerSafe(cookie).slice(0, 8000);
      if (origin !== undefined) headers.origin = origin;
      if (route.type !== undefined) headers["content-type"] = headerSafe(route.type);
      const m = method ?? route.method;
      const withBody = m !== "GET" && m !== "HEAD";
      return { method: m, path: pathSafe(route.path), headers, ...(withBody && route.body !== undefined ? { body: route.body } : {}) };
    });
}

// ---------------------------------------------------------------- sending and judging

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function send(r: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = r.body === undefined ? undefined : Buffer.from(r.body, "utf8");
    const req = request(
      { host: "127.0.0.1", port: server.port, method: r.method, path: r.path, agent, headers: { ...r.headers, ...(body ? { "content-length": String(body.length) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error("no answer in 15 s")));
    req.on("error", reject);
    req.end(body);
  });
}

/** Node's own HTTP layer refuses a request line or headers over 16 KiB (431, or a reset after it). */
const overHeaderLimit = (r: FuzzRequest) => r.path.length + JSON.stringify(r.headers).length > 16 * 1024 - 512;

/**
 * A request target Node's HTTP parser or @hono/node-server refuses before the app sees it (raw non-ASCII
 * bytes, a backslash in the path): a bare 400 with no body, which is all an unparsable request can get.
 */
const unparsableTarget = (r: FuzzRequest) => /[^\x21-\x7e]/.test(r.path) || /^[^?]*\\/.test(r.path);

/** Why an answer is wrong, or undefined. */
function judge(r: FuzzRequest, a: Answer): string | undefined {
  if (a.status >= 500) return `status ${a.status}`;
  if (a.status === 431 && overHeaderLimit(r)) return undefined;
  if (a.status === 400 && a.body === "" && !a.headers["content-type"] && unparsableTarget(r)) return undefined;
  const sent = `${r.path}\n${JSON.stringify(r.headers)}\n${r.body ?? ""}`;
  // Echoed input is not a leak; anything else matching these is.
  for (const marker of ["    at ", ".ts:", "node_modules", "file:///"]) if (a.body.includes(marker) && !sent.includes(marker)) return `body contains ${JSON.stringify(marker)}`;
  for (const s of forbidden) if (a.body.includes(s) || JSON.stringify(a.headers).includes(s)) if (!sent.includes(s)) return "body or headers carry a secret or a token hash";
  const type = String(a.headers["content-type"] ?? "");
  if (a.status >= 400 && r.method !== "HEAD" && a.status !== 431) {
    if (!/^(application\/(json|problem\+json)|text\/html)/.test(type)) return `error answered as ${JSON.stringify(type)}`;
    const path = r.path.split("?")[0];
    if ((path === "/token" || path === "/revoke" || path === "/introspect") && r.method === "POST" && a.status !== 404) {
      if (!/^application\/json/.test(type)) return `OAuth endpoint error as ${type}`;
      const parsed = JSON.parse(a.body) as { error?: unknown };
      if (typeof parsed.error !== "string") return "OAuth error without `error`";
    }
  }
  return undefined;
}

/** A connection the server closed on an oversized body (after its 413) or header (after Node's 431) is an answer too. */
const closedOnOversized = (r: FuzzRequest, e: unknown) =>
  (Buffer.byteLength(r.body ?? "") > MAX_FORM_BYTES || overHeaderLimit(r)) && /ECONNRESET|EPIPE|socket hang up/.test(e instanceof Error ? e.message : String(e));

async function runAll(requests: FuzzRequest[]): Promise<{ failures: Array<{ request: FuzzRequest; why: string; answer?: string }>; statuses: Map<number, number> }> {
  const failures: Array<{ request: FuzzRequest; why: string; answer?: string }> = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const r = requests[next++]!;
      try {
        const a = await send(r);
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        const why = judge(r, a);
        if (why) failures.push({ request: r, why, answer: `${a.status} ${String(a.headers["content-type"] ?? "")} ${a.body.slice(0, 200)}` });
      } catch (e) {
        if (closedOnOversized(r, e)) continue;
        failures.push({ request: r, why: `no answer: ${e instanceof Error ? e.message : String(e)}` });
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { failures, statuses };
}

const cut = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}… (${s.length} chars)` : s);
const short = (r: FuzzRequest) => ({ ...r, path: cut(r.path), headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, cut(v)])), body: r.body === undefined ? undefined : cut(r.body) });

describe("fuzzed requests over every endpoint of the running server", () => {
  test(`${RUNS} requests: no 5xx, no stack trace, secret or token hash; memory bounded`, { timeout: 120_000 }, async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const requests = fc.sample(requestArb(known), { numRuns: RUNS + 500, seed });
    // Warm up (JIT, caches, statements) before the memory baseline.
    const warm = await runAll(requests.slice(0, 500));
    const before = server.rss();
    const { failures, statuses } = await runAll(requests.slice(500));
    const after = server.rss();
    const all = [...warm.failures, ...failures];
    const report = all.slice(0, 8).map((f) => JSON.stringify({ why: f.why, answer: f.answer, request: short(f.request) }));
    expect(all.length, `seed ${seed}; ${all.length} bad answers, e.g.:\n${report.join("\n")}`).toBe(0);
    // Every kind of answer was reached: success, redirects, and the client errors.
    const seen = [...statuses.keys()];
    expect(seen.some((s) => s >= 200 && s < 300)).toBe(true);
    expect(seen.some((s) => s >= 300 && s < 400)).toBe(true);
    expect(seen.filter((s) => s >= 400).length).toBeGreaterThanOrEqual(4);
    expect(after - before, `RSS ${Math.round(before / MB)} MB → ${Math.round(after / MB)} MB`).toBeLessThan(80 * MB);
    // And it still answers.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
