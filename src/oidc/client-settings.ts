/**
 * A client's OpenID Connect registration (the `client_oidc` table): the algorithm of its ID tokens
 * (`id_token_signed_response_alg`, RS256 unless it registered EdDSA or ES256), whether UserInfo answers it
 * with a signed JWT (`userinfo_signed_response_alg`; plain JSON unless registered) and the exact URIs
 * RP-initiated logout may send the person back to (`post_logout_redirect_uris`). Kept beside the client's row: a client
 * that registers nothing has no row and gets the defaults.
 */
import { eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../db/client";
import { clientOidc } from "../db/schema";
import { RedirectUri } from "../clients/redirect-uri";
import { ID_TOKEN_ALGS, type IdTokenAlg } from "./id-token";

/** A client's OpenID Connect settings. */
export interface OidcClientSettings {
  idTokenAlg: IdTokenAlg;
  /** Null: UserInfo answers JSON; otherwise a JWT signed with this algorithm (`application/jwt`). */
  userinfoAlg: IdTokenAlg | null;
  postLogoutRedirectUris: string[];
}

/** The settings' fields, in the order they are shown and audited. */
export const OIDC_FIELDS = ["idTokenAlg", "userinfoAlg", "postLogoutRedirectUris"] as const;

/** One of {@link OIDC_FIELDS}. */
export type OidcField = (typeof OIDC_FIELDS)[number];

/** What a client gets when it registered nothing. */
export const DEFAULT_OIDC_SETTINGS: Readonly<OidcClientSettings> = { idTokenAlg: "RS256", userinfoAlg: null, postLogoutRedirectUris: [] };

/** The most post-logout redirect URIs one client may register. */
export const MAX_POST_LOGOUT_URIS = 20;


// One definition of each field, shared by the full registration and the partial update below.
const Alg = z.enum(ID_TOKEN_ALGS, { message: `must be one of ${ID_TOKEN_ALGS.join(", ")}` });
// Post-logout addresses follow the redirect URIs' rule (clients/redirect-uri.ts).
const PostLogoutUris = z.array(RedirectUri).max(MAX_POST_LOGOUT_URIS, `at most ${MAX_POST_LOGOUT_URIS} URIs`);

/** Input of {@link setOidcSettings}: what the operator registers (absent: the default). */
export const OidcSettingsInput = z.object({
  idTokenAlg: Alg.optional(),
  userinfoAlg: Alg.optional(),
  postLogoutRedirectUris: PostLogoutUris.default([]),
});

/**
 * Input of {@link updateOidcSettings}: only the fields given change. `null` puts an algorithm back to its
 * default (ID tokens RS256, UserInfo JSON); an empty list removes every post-logout redirect URI.
 */
export const OidcSettingsPatch = z.object({
  idTokenAlg: Alg.nullable().optional(),
  userinfoAlg: Alg.nullable().optional(),
  postLogoutRedirectUris: PostLogoutUris.optional(),
});

/** A partial update of the settings, as given (see {@link OidcSettingsPatch}). */
export type OidcSettingsPatchInput = z.input<typeof OidcSettingsPatch>;

/**
 * The settings after a checked patch: what it gives replaces, what it leaves out stays.
 * @example patchedSettings(DEFAULT_OIDC_SETTINGS, { userinfoAlg: "ES256" }) // { idTokenAlg: "RS256", userinfoAlg: "ES256", postLogoutRedirectUris: [] }
 */
export function patchedSettings(current: Readonly<OidcClientSettings>, patch: z.output<typeof OidcSettingsPatch>): OidcClientSettings {
  return {
    idTokenAlg: patch.idTokenAlg === undefined ? current.idTokenAlg : (patch.idTokenAlg ?? DEFAULT_OIDC_SETTINGS.idTokenAlg),
    userinfoAlg: patch.userinfoAlg === undefined ? current.userinfoAlg : patch.userinfoAlg,
    postLogoutRedirectUris: patch.postLogoutRedirectUris ?? [...current.postLogoutRedirectUris],
  };
}

/**
 * The fields whose values differ between two settings (for an audit row).
 * @example changedOidcFields(DEFAULT_OIDC_SETTINGS, { ...DEFAULT_OIDC_SETTINGS, idTokenAlg: "ES256" }) // ["idTokenAlg"]
 */
export function changedOidcFields(before: Readonly<OidcClientSettings>, after: Readonly<OidcClientSettings>): OidcField[] {
  return OIDC_FIELDS.filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]));
}

const Stored = z.array(z.string());

function fromRow(row: typeof clientOidc.$inferSelect): OidcClientSettings {
  const uris = Stored.safeParse(JSON.parse(row.postLogoutRedirectUris));
  return { idTokenAlg: row.idTokenSignedResponseAlg ?? "RS256", userinfoAlg: row.userinfoSignedResponseAlg ?? null, postLogoutRedirectUris: uris.success ? uris.data : [] };
}

const defaults = (): OidcClientSettings => ({ ...DEFAULT_OIDC_SETTINGS, postLogoutRedirectUris: [] });

/**
 * The settings of `clientId` (the defaults when it registered none).
 * @example const { idTokenAlg } = await oidcSettings(db, client.id);
 */
export async function oidcSettings(db: Database, clientId: string): Promise<OidcClientSettings> {
  const [row] = await db.select().from(clientOidc).where(eq(clientOidc.clientId, clientId)).limit(1);
  return row ? fromRow(row) : defaults();
}

/**
 * The settings of several clients in one query (a page of a list), each id present in the answer.
 * @example const settings = await oidcSettingsOf(db, page.map((r) => r.id)); settings.get(id)!.idTokenAlg
 */
export async function oidcSettingsOf(db: Database, clientIds: readonly string[]): Promise<Map<string, OidcClientSettings>> {
  const found = new Map<string, OidcClientSettings>();
  if (clientIds.length > 0) {
    const rows = await db.select().from(clientOidc).where(inArray(clientOidc.clientId, [...clientIds]));
    for (const row of rows) found.set(row.clientId, fromRow(row));
  }
  return new Map(clientIds.map((id) => [id, found.get(id) ?? defaults()]));
}

/**
 * The statement that stores `settings` as the registration of `clientId`, for a caller to batch with the
 * change it belongs to (one transaction with the client's row and its audit row).
 * @example await db.batch([db.update(clients)…, oidcSettingsWrite(db, id, next, now), auditRow(…)]);
 */
export function oidcSettingsWrite(db: Database, clientId: string, settings: Readonly<OidcClientSettings>, now: number) {
  const set = {
    idTokenSignedResponseAlg: settings.idTokenAlg,
    userinfoSignedResponseAlg: settings.userinfoAlg,
    postLogoutRedirectUris: JSON.stringify(settings.postLogoutRedirectUris),
    updatedAt: now,
  };
  return db
    .insert(clientOidc)
    .values({ clientId, ...set })
    .onConflictDoUpdate({ target: clientOidc.clientId, set });
}

/**
 * The statement that forgets the registration of `clientId` (with the client it belongs to).
 * @example await db.batch([db.delete(clients)…, oidcSettingsDelete(db, id)]);
 */
export function oidcSettingsDelete(db: Database, clientId: string) {
  return db.delete(clientOidc).where(eq(clientOidc.clientId, clientId));
}

/**
 * Register (or replace) the settings of `clientId`. Throws a ZodError naming the bad field.
 * @example await setOidcSettings(db, client.id, { idTokenAlg: "ES256", postLogoutRedirectUris: ["https://app.example.com/bye"] }, Date.now());
 */
export async function setOidcSettings(db: Database, clientId: string, input: z.input<typeof OidcSettingsInput>, now: number): Promise<OidcClientSettings> {
  const v = OidcSettingsInput.parse(input);
  const settings: OidcClientSettings = { idTokenAlg: v.idTokenAlg ?? DEFAULT_OIDC_SETTINGS.idTokenAlg, userinfoAlg: v.userinfoAlg ?? null, postLogoutRedirectUris: v.postLogoutRedirectUris };
  await oidcSettingsWrite(db, clientId, settings, now);
  return settings;
}

/**
 * Change only the fields `patch` gives (`null`: back to the default; `[]`: no post-logout redirect URIs)
 * and return the settings as they now are. Throws a ZodError naming the bad field, before writing.
 * @example await updateOidcSettings(db, client.id, { userinfoAlg: null, postLogoutRedirectUris: [] }, Date.now());
 */
export async function updateOidcSettings(db: Database, clientId: string, patch: OidcSettingsPatchInput, now: number): Promise<OidcClientSettings> {
  const checked = OidcSettingsPatch.parse(patch);
  const next = patchedSettings(await oidcSettings(db, clientId), checked);
  await oidcSettingsWrite(db, clientId, next, now);
  return next;
}
