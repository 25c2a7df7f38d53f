/**
 * Options of `requireAuth`, validated once when the middleware is created: a mistake in them is a
 * deployment error and must stop the API from starting, not surface as 401s at request time.
 */
import type { JWK } from "jose";
import { z } from "zod";
import { isLoopbackHost } from "../lib/loopback";
import { SCOPE_TOKEN, SCOPE_TOKEN_RULE } from "../lib/scope";
import type { MarkReader } from "../store/store";

/** Algorithms an authbridge issuer signs with; nothing else is ever accepted (never `none`, never HS*). */
export const ALGORITHMS = ["EdDSA", "ES256"] as const;
/** One accepted signature algorithm. */
export type Algorithm = (typeof ALGORITHMS)[number];

/**
 * Key ids are lookup keys only. Refusing anything outside this charset and length stops path-like,
 * wildcard, quoted or huge values before they reach a key lookup (or trigger a JWKS refetch).
 */
export const KID_PATTERN = /^[A-Za-z0-9._~+=:-]{1,128}$/;

/** Options of `requireAuth`. Exactly one of `jwksUrl` / `keys`. */
export interface RequireAuthOptions {
  /** Expected `iss`, e.g. `https://auth.example.com`. */
  issuer: string;
  /** Accepted `aud` value(s): the token must name at least one. */
  audience: string | string[];
  /** The issuer's JWKS, e.g. `https://auth.example.com/.well-known/jwks.json` (https, or http on loopback). */
  jwksUrl?: string;
  /** Public keys given directly (a JWK list or a JWKS document). Each needs a `kid`. */
  keys?: JWK[] | { keys: JWK[] };
  /** Accepted algorithms (default both). */
  algorithms?: Algorithm[];
  /** Allowed clock skew for `exp`, `nbf` and `iat`, seconds (default 5, at most 60). */
  clockToleranceSeconds?: number;
  /** Scopes every request must carry (all of them). */
  scopes?: string[];
  /** How revocation is checked: not at all (default), through the issuer's `/introspect`, or in the shared state store. */
  revocation?: "off" | "introspect" | "store";
  /** Required for `revocation: "introspect"`: a confidential client allowed to introspect. */
  introspection?: {
    url: string;
    clientId: string;
    clientSecret: string;
    /** How long an answer is reused per `jti`, seconds (default 30, at most 300; never past `exp`). */
    cacheSeconds?: number;
    /** Deadline of one introspection call, ms (default 3000). */
    timeoutMs?: number;
  };
  /**
   * Required for `revocation: "store"`: the state store the issuer writes revocation marks to. Only its
   * `newestMark` is used, so a whole store object (what `createUpstashStore` returns) fits as well.
   */
  store?: MarkReader;
  /** The verified-token cache (keyed by the whole token string). `maxEntries: 0` turns it off. */
  cache?: { maxEntries?: number };
  /** Remote JWKS behaviour (only with `jwksUrl`). */
  jwks?: {
    /** Minimum seconds between refetches caused by an unknown `kid` (default 30, at least 1). */
    cooldownSeconds?: number;
    /** Seconds after which the key set is refetched anyway (default 600). */
    maxAgeSeconds?: number;
    /** Deadline of one JWKS fetch, ms (default 5000). */
    timeoutMs?: number;
  };
  /** `realm` of the `WWW-Authenticate` challenge (default: the first audience). */
  realm?: string;
  /**
   * Clock in epoch ms. For tests only (to move time past `exp` or a cache window); the remote JWKS
   * cooldown always uses the real clock.
   */
  now?: () => number;
  /**
   * Who checks signatures. `auto` (default): Node's built-in crypto when the runtime has it (synchronous,
   * cheaper than a WebCrypto job), else jose over WebCrypto (Workers). `webcrypto`: always jose.
   */
  signatureEngine?: "auto" | "webcrypto";
}

/** https anywhere, http only on loopback: keys and introspection answers must not travel in clear text. */
const secureUrl = z
  .string()
  .refine((u) => URL.canParse(u), "must be an absolute URL")
  .refine((u) => {
    const url = new URL(u);
    return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname));
  }, "must be https (http only on localhost)");

const publicJwk = z
  .looseObject({
    kty: z.enum(["OKP", "EC"], { message: "only OKP (Ed25519) and EC (P-256) keys are supported" }),
    kid: z.string().regex(KID_PATTERN, "kid must be 1-128 characters of [A-Za-z0-9._~+=:-]"),
    alg: z.enum(ALGORITHMS).optional(),
    use: z.literal("sig").optional(),
  })
  .refine((k) => !("d" in k), "must be a public key (it has a private \"d\" member)");

const isMarkReader = (v: unknown): v is MarkReader =>
  typeof v === "object" && v !== null && typeof (v as { newestMark?: unknown }).newestMark === "function";

const schema = z
  .object({
    issuer: z.string().min(1),
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    jwksUrl: secureUrl.optional(),
    // A JWKS document is unwrapped first, so errors name the bad key instead of "no union member matched".
    keys: z.preprocess((v) => (typeof v === "object" && v !== null && !Array.isArray(v) && "keys" in v ? v.keys : v), z.array(publicJwk).min(1)).optional(),
    algorithms: z.array(z.enum(ALGORITHMS)).min(1).default([...ALGORITHMS]),
    clockToleranceSeconds: z.number().int().min(0).max(60).default(5),
    signatureEngine: z.enum(["auto", "webcrypto"]).default("auto"),
    scopes: z.array(z.string().regex(SCOPE_TOKEN, SCOPE_TOKEN_RULE)).default([]),
    revocation: z.enum(["off", "introspect", "store"]).default("off"),
    introspection: z
      .object({
        url: secureUrl,
        clientId: z.string().min(1),
        clientSecret: z.string().min(1),
        cacheSeconds: z.number().int().min(0).max(300).default(30),
        timeoutMs: z.number().int().min(100).max(30_000).default(3000),
      })
      .optional(),
    store: z.custom<MarkReader>(isMarkReader, "must be a StateStore").optional(),
    cache: z.object({ maxEntries: z.number().int().min(0).max(1_000_000).default(10_000) }).default({ maxEntries: 10_000 }),
    jwks: z
      .object({
        cooldownSeconds: z.number().min(1).max(3600).default(30),
        maxAgeSeconds: z.number().min(1).max(86_400).default(600),
        timeoutMs: z.number().int().min(100).max(30_000).default(5000),
      })
      .default({ cooldownSeconds: 30, maxAgeSeconds: 600, timeoutMs: 5000 }),
    realm: z.string().min(1).max(200).optional(),
    now: z.custom<() => number>((v) => typeof v === "function", "must be a function returning epoch ms").optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    if ((o.jwksUrl === undefined) === (o.keys === undefined))
      ctx.addIssue({ code: "custom", path: ["jwksUrl"], message: "give exactly one of jwksUrl and keys" });
    if (o.revocation === "introspect" && !o.introspection)
      ctx.addIssue({ code: "custom", path: ["introspection"], message: 'required when revocation is "introspect"' });
    if (o.revocation === "store" && !o.store) ctx.addIssue({ code: "custom", path: ["store"], message: 'required when revocation is "store"' });
    (o.keys ?? []).forEach((k, i) => {
      if (k.alg !== undefined && !o.algorithms.includes(k.alg))
        ctx.addIssue({ code: "custom", path: ["keys", i, "alg"], message: `${k.alg} is not among the accepted algorithms` });
    });
  });

/** Options after validation, with defaults applied. */
export interface ResolvedOptions {
  issuer: string;
  audience: string[];
  source: { kind: "remote"; url: URL; cooldownMs: number; maxAgeMs: number; timeoutMs: number } | { kind: "local"; keys: JWK[] };
  algorithms: Algorithm[];
  clockToleranceSeconds: number;
  scopes: string[];
  revocation:
    | { kind: "off" }
    | { kind: "store"; store: MarkReader }
    | { kind: "introspect"; url: string; clientId: string; clientSecret: string; cacheMs: number; timeoutMs: number };
  maxEntries: number;
  realm: string;
  now: () => number;
  /** True when `now` came from the options (tests): jose must then be given the same clock. */
  clockInjected: boolean;
  signatureEngine: "auto" | "webcrypto";
}

/**
 * Validate and normalise; throws an Error naming every bad option.
 * @example const opts = resolveOptions({ issuer, audience, keys });
 */
export function resolveOptions(input: RequireAuthOptions): ResolvedOptions {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new Error(`requireAuth: invalid options\n${z.prettifyError(parsed.error)}`);
  const o = parsed.data;
  const audience = typeof o.audience === "string" ? [o.audience] : o.audience;
  const source: ResolvedOptions["source"] = o.jwksUrl
    ? { kind: "remote", url: new URL(o.jwksUrl), cooldownMs: o.jwks.cooldownSeconds * 1000, maxAgeMs: o.jwks.maxAgeSeconds * 1000, timeoutMs: o.jwks.timeoutMs }
    : { kind: "local", keys: (o.keys ?? []) as JWK[] };
  const revocation: ResolvedOptions["revocation"] =
    o.revocation === "store" && o.store
      ? { kind: "store", store: o.store }
      : o.revocation === "introspect" && o.introspection
        ? { kind: "introspect", ...o.introspection, cacheMs: o.introspection.cacheSeconds * 1000 }
        : { kind: "off" };
  return {
    issuer: o.issuer,
    audience,
    source,
    algorithms: [...new Set(o.algorithms)],
    clockToleranceSeconds: o.clockToleranceSeconds,
    scopes: o.scopes,
    revocation,
    maxEntries: o.cache.maxEntries,
    realm: o.realm ?? audience[0] ?? o.issuer,
    now: o.now ?? Date.now,
    clockInjected: o.now !== undefined,
    signatureEngine: o.signatureEngine,
  };
}
