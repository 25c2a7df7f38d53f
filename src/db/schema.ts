/**
 * The relational schema (drizzle-orm, libSQL/SQLite). Times are epoch milliseconds in integer columns;
 * JSON lists are text columns holding JSON arrays. Migrations in `migrations/` are generated from this
 * file with `npm run db:generate`.
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** A local account: a person (`user`) or a bot/workload (`bot`). */
export const accounts = sqliteTable("accounts", {
  id: text("id").primaryKey(),
  kind: text("kind", { enum: ["user", "bot"] }).notNull(),
  displayName: text("display_name"),
  createdAt: integer("created_at").notNull(),
  blockedAt: integer("blocked_at"),
});

/** A platform identity linked to an account, keyed by (provider, immutable provider user id). */
export const identities = sqliteTable(
  "identities",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    provider: text("provider").notNull(),
    subject: text("subject").notNull(),
    username: text("username"),
    email: text("email"),
    emailVerified: integer("email_verified", { mode: "boolean" }).notNull().default(false),
    avatar: text("avatar"),
    /** Provider facts (orgs, teams, guild roles, workspace) as JSON. */
    facts: text("facts").notNull().default("{}"),
    factsUpdatedAt: integer("facts_updated_at"),
    /** Provider tokens, AES-GCM encrypted under a key derived from AUTHBRIDGE_SECRET. */
    tokensEnc: text("tokens_enc"),
    /** Set when the platform rejected the stored token: the identity grants nothing until a new login. */
    staleAt: integer("stale_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("identities_provider_subject").on(t.provider, t.subject),
    index("identities_account").on(t.accountId),
  ],
);

/** A registered OAuth client. */
export const clients = sqliteTable("clients", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** Hash of the secret (null for public clients). */
  secretHash: text("secret_hash"),
  isPublic: integer("is_public", { mode: "boolean" }).notNull().default(false),
  grants: text("grants").notNull().default("[]"),
  scopes: text("scopes").notNull().default("[]"),
  redirectUris: text("redirect_uris").notNull().default("[]"),
  audiences: text("audiences").notNull().default("[]"),
  /** Audiences whose access tokens this client (a resource server) may introspect, JSON array. */
  introspectAudiences: text("introspect_audiences").notNull().default("[]"),
  createdAt: integer("created_at").notNull(),
  disabledAt: integer("disabled_at"),
  /**
   * The account that registered the client as a developer (console or management API); null for clients
   * an operator created. Developers see and change only the clients they own. No foreign key: SQLite can
   * add one only without an action, and accounts are never deleted.
   */
  ownerAccountId: text("owner_account_id"),
  /**
   * Registered by the client itself at `POST /register` (RFC 7591): public, third-party, and forgotten
   * once unused for a while (see clients/dynamic.ts).
   */
  dynamicRegistration: integer("dynamic_registration", { mode: "boolean" }).notNull().default(false),
  /** Last use of a dynamically registered client (authorize or token), written at most once a day. */
  lastUsedAt: integer("last_used_at"),
});

/**
 * A client's OpenID Connect registration, beside its row (only clients that register something have one):
 * the ID-token signing algorithm and the post-logout redirect URIs. No foreign key, like `consents`: ids
 * are never reused, so a row left behind by a deleted client is never read.
 */
export const clientOidc = sqliteTable("client_oidc", {
  clientId: text("client_id").primaryKey(),
  /** `id_token_signed_response_alg`; null: RS256, the OpenID default. */
  idTokenSignedResponseAlg: text("id_token_signed_response_alg", { enum: ["RS256", "EdDSA", "ES256"] }),
  /** Where RP-initiated logout may send the person afterwards (exact match), JSON array. */
  postLogoutRedirectUris: text("post_logout_redirect_uris").notNull().default("[]"),
  /** `userinfo_signed_response_alg`; null: UserInfo answers plain JSON (OpenID Connect Core §5.3.2). */
  userinfoSignedResponseAlg: text("userinfo_signed_response_alg", { enum: ["RS256", "EdDSA", "ES256"] }),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * The APIs (resource servers, RFC 8707) tokens may be issued for, besides the default audience and a
 * client's own `audiences`: any client may ask for one, and the scopes of its tokens stay within `scopes`.
 */
export const resources = sqliteTable("resources", {
  /** The resource indicator, exactly as tokens carry it in `aud` (no normalisation at matching time). */
  uri: text("uri").primaryKey(),
  name: text("name").notNull(),
  /** The scopes the resource understands, JSON array. */
  scopes: text("scopes").notNull().default("[]"),
  /** What each scope lets an app do, in words for the consent screen: JSON object scope → text. */
  scopeDescriptions: text("scope_descriptions").notNull().default("{}"),
  createdAt: integer("created_at").notNull(),
});

/**
 * What an account let a third-party client have: per account, client and resource, the scopes approved
 * (the union of every approval). A request for the same or fewer scopes skips the consent screen.
 * No foreign key to `clients`: metadata-document clients are not rows.
 */
export const consents = sqliteTable(
  "consents",
  {
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    clientId: text("client_id").notNull(),
    /** The token audience the consent is for (a resource URI, or the default audience). */
    resource: text("resource").notNull(),
    scopes: text("scopes").notNull().default("[]"),
    /** The client's name and redirect host when last approved, for "Connected apps". */
    clientName: text("client_name").notNull(),
    redirectHost: text("redirect_host").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.clientId, t.resource] })],
);

/**
 * API keys: personal (owned by an account) or service (owned by a client) — exactly one owner. Only a
 * keyed hash of the key is stored (see apikeys/hash.ts); `hint` is the prefix and last four characters.
 */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    hash: text("hash").notNull(),
    hint: text("hint").notNull(),
    accountId: text("account_id").references(() => accounts.id, { onDelete: "cascade" }),
    clientId: text("client_id").references(() => clients.id, { onDelete: "cascade" }),
    /**
     * Scopes the key may carry, JSON array; null: whatever its owner has. Either way the effective scopes
     * are narrowed by the owner's at each use.
     */
    scopes: text("scopes"),
    createdAt: integer("created_at").notNull(),
    /** Who created it (`cli`, an account id). */
    createdBy: text("created_by"),
    expiresAt: integer("expires_at"),
    revokedAt: integer("revoked_at"),
    /** Written at most once a minute per key. */
    lastUsedAt: integer("last_used_at"),
    /** The last refused use because its owner was blocked or disabled (audited once per block). */
    refusedAt: integer("refused_at"),
  },
  (t) => [uniqueIndex("api_keys_hash").on(t.hash), index("api_keys_account").on(t.accountId), index("api_keys_client").on(t.clientId)],
);

/** Token signing keys. The private JWK is encrypted under AUTHBRIDGE_SECRET. */
export const signingKeys = sqliteTable("signing_keys", {
  kid: text("kid").primaryKey(),
  /** `EdDSA`/`ES256` sign access tokens (and ID tokens of clients that ask); `RS256` signs ID tokens. */
  alg: text("alg", { enum: ["EdDSA", "ES256", "RS256"] }).notNull(),
  publicJwk: text("public_jwk").notNull(),
  privateJwkEnc: text("private_jwk_enc").notNull(),
  createdAt: integer("created_at").notNull(),
  /** When a newer key became current; tokens signed before then live at most the access-token TTL. */
  retiredAt: integer("retired_at"),
});

/** The bridge's sessions (one per login), shown on the account page. */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    userAgent: text("user_agent"),
    createdAt: integer("created_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("sessions_account").on(t.accountId)],
);

/** An account's derived entitlements (union over its identities) and when they were derived. */
export const entitlements = sqliteTable("entitlements", {
  accountId: text("account_id")
    .primaryKey()
    .references(() => accounts.id, { onDelete: "cascade" }),
  scopes: text("scopes").notNull().default("[]"),
  roles: text("roles").notNull().default("[]"),
  derivedAt: integer("derived_at").notNull(),
});

/** Append-only audit log. */
export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull(),
    type: text("type").notNull(),
    actor: text("actor"),
    subject: text("subject"),
    detail: text("detail").notNull().default("{}"),
  },
  // The account and client filters ask "about X" (subject or actor), newest first.
  (t) => [index("audit_events_type_at").on(t.type, t.at), index("audit_events_subject").on(t.subject, t.id), index("audit_events_actor").on(t.actor, t.id)],
);

/**
 * Backing table of the embedded state store (Node without Upstash). No index on `expires_at`: every read is
 * by key, and keeping such an index cost each refresh rotation a quarter of its CPU (two more b-tree pages
 * written per commit); the once-a-minute sweep of expired rows scans the table instead.
 */
export const stateEntries = sqliteTable("state_entries", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  /** Refresh tokens: the epoch ms of use once spent (`R<ms>` once a retry was answered with the successor). */
  spent: text("spent"),
  /** Epoch milliseconds. */
  expiresAt: integer("expires_at").notNull(),
});
