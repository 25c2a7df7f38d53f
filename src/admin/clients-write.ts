/**
 * Registering and editing clients through the management services. The fields follow the same zod rules
 * as the CLI's (`CreateClientInput` in src/clients/registry.ts, and `OidcSettingsPatch` in
 * src/oidc/client-settings.ts for the OpenID Connect settings); a developer's additions are further bound
 * by src/admin/client-policy.ts, and their apps are owned by their account. Every change is audited with
 * its actor, in the transaction that makes it.
 */
import { eq } from "drizzle-orm";
import type { z } from "zod";
import { CreateClientInput, type GrantType } from "../clients/registry";
import { hashClientSecret, newClientSecret } from "../clients/secret-hash";
import { accounts, clients } from "../db/schema";
import type { AppDeps } from "../deps";
import { newId } from "../lib/ids";
import {
  changedOidcFields,
  DEFAULT_OIDC_SETTINGS,
  OidcSettingsPatch,
  oidcSettingsWrite,
  patchedSettings,
  type OidcSettingsPatchInput,
} from "../oidc/client-settings";
import { managementAudience } from "./access";
import { auditRow } from "./audit-write";
import { actorOf, type Caller } from "./caller";
import { added, developerProblems } from "./client-policy";
import { getManagedClient, managedClient, toManaged, visibleClientRow, type ManagedClient } from "./client-view";
import { invalidInput, issueProblems, type InputProblem } from "./errors";
import { assertMayEnable, setClientDisabled } from "./clients-state";

/**
 * Input of {@link createManagedClient}: the registry's fields, the OpenID Connect settings (absent or
 * `null`: the default) and an owner (operators only).
 */
export type NewClient = z.input<typeof CreateClientInput> & OidcSettingsPatchInput & { ownerAccountId?: string | null | undefined };

/**
 * Changes of {@link updateManagedClient}; absent fields stay as they are. `public` never changes. The
 * OpenID Connect settings follow `OidcSettingsPatch`: `null` puts an algorithm back to its default, an empty
 * list removes every post-logout redirect URI.
 */
export interface ClientChanges extends OidcSettingsPatchInput {
  name?: string | undefined;
  grants?: GrantType[] | undefined;
  scopes?: string[] | undefined;
  redirectUris?: string[] | undefined;
  audiences?: string[] | undefined;
  /** Operators only. */
  introspectAudiences?: string[] | undefined;
  /** Operators only: hand the app to an account, or `null` to make it the operator's. */
  ownerAccountId?: string | null | undefined;
  /** Disable (`true`) or enable (`false`) it. */
  disabled?: boolean | undefined;
}

/** The registry's fields and the OpenID Connect patch, checked together so every problem is named at once. */
function checked(input: z.input<typeof CreateClientInput>, oidc: OidcSettingsPatchInput) {
  const client = CreateClientInput.safeParse(input);
  // An object schema: the fields of the wider input that are not settings are left out of the patch.
  const patch = OidcSettingsPatch.safeParse(oidc);
  if (!client.success || !patch.success) {
    throw invalidInput([...(client.success ? [] : issueProblems(client.error.issues)), ...(patch.success ? [] : issueProblems(patch.error.issues))]);
  }
  return { v: client.data, patch: patch.data };
}

async function ownerProblems(deps: AppDeps, caller: Caller, owner: string | null | undefined): Promise<InputProblem[]> {
  if (owner === undefined || owner === null) return [];
  if (caller.kind === "developer") {
    return owner === caller.accountId ? [] : [{ field: "ownerAccountId", message: "only an operator can hand an app to another account" }];
  }
  const [row] = await deps.db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, owner));
  return row ? [] : [{ field: "ownerAccountId", message: `no account ${owner}` }];
}

/**
 * Register a client. A developer's is theirs; an operator's belongs to `ownerAccountId` when given. The
 * secret of a confidential client is returned here and never again.
 * @example const { client, secret } = await createManagedClient(deps, caller, { name: "billing", redirectUris: ["https://app.example.com/cb"] });
 */
export async function createManagedClient(deps: AppDeps, caller: Caller, input: NewClient): Promise<{ client: ManagedClient; secret: string | undefined }> {
  const { v, patch } = checked(input, input);
  const owner = caller.kind === "developer" ? caller.accountId : (input.ownerAccountId ?? null);
  const problems = [
    ...(await ownerProblems(deps, caller, input.ownerAccountId)),
    ...(caller.kind === "developer" ? await developerProblems(deps.db, caller.accountId, managementAudience(deps.config.issuer), v) : []),
  ];
  if (problems.length > 0) throw invalidInput(problems);
  const now = deps.now();
  const secret = v.isPublic ? undefined : newClientSecret();
  const row = {
    id: newId("client"),
    name: v.name,
    isPublic: v.isPublic,
    secretHash: secret ? await hashClientSecret(secret) : null,
    grants: JSON.stringify(v.grants),
    scopes: JSON.stringify(v.scopes),
    redirectUris: JSON.stringify(v.redirectUris),
    audiences: JSON.stringify(v.audiences),
    introspectAudiences: JSON.stringify(v.introspectAudiences),
    createdAt: now,
    disabledAt: null,
    ownerAccountId: owner,
    dynamicRegistration: false,
    lastUsedAt: null,
  };
  const detail = { name: v.name, grants: v.grants, scopes: v.scopes, owner };
  // A client whose OpenID Connect settings are the defaults gets no row: it has them without one.
  const oidc = patchedSettings(DEFAULT_OIDC_SETTINGS, patch);
  await deps.db.batch([
    deps.db.insert(clients).values(row),
    ...(changedOidcFields(DEFAULT_OIDC_SETTINGS, oidc).length > 0 ? [oidcSettingsWrite(deps.db, row.id, oidc, now)] : []),
    auditRow(deps.db, { type: "client.created", actor: actorOf(caller), subject: row.id, detail }, now),
  ]);
  return { client: toManaged(row, oidc), secret };
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Change a client the caller may see. The result must pass the same rules as a new client; `disabled`
 * disables or enables it (src/admin/clients-state.ts). Audited as `client.updated` naming the fields that
 * changed (its OpenID Connect settings among them), in the transaction that changes them.
 * @example await updateManagedClient(deps, caller, id, { redirectUris: ["https://app.example.com/cb"] });
 */
export async function updateManagedClient(deps: AppDeps, caller: Caller, id: string, changes: ClientChanges): Promise<ManagedClient> {
  const row = await visibleClientRow(deps.db, caller, id);
  const before = await managedClient(deps.db, row);
  const { v: next, patch } = checked(
    {
      name: changes.name ?? before.name,
      isPublic: before.isPublic,
      grants: changes.grants ?? before.grants,
      scopes: changes.scopes ?? before.scopes,
      redirectUris: changes.redirectUris ?? before.redirectUris,
      audiences: changes.audiences ?? before.audiences,
      introspectAudiences: changes.introspectAudiences ?? before.introspectAudiences,
    },
    changes,
  );
  const problems = await ownerProblems(deps, caller, changes.ownerAccountId);
  if (caller.kind === "developer") {
    if (changes.ownerAccountId === null) problems.push({ field: "ownerAccountId", message: "only an operator can take an app from its owner" });
    problems.push(
      ...(await developerProblems(deps.db, caller.accountId, managementAudience(deps.config.issuer), {
        scopes: added(before.scopes, next.scopes),
        audiences: added(before.audiences, next.audiences),
        introspectAudiences: added(before.introspectAudiences, next.introspectAudiences),
      })),
    );
  }
  if (problems.length > 0) throw invalidInput(problems);
  // Checked before anything is written: a refused enable must not leave the other changes half applied.
  if (changes.disabled === false) await assertMayEnable(deps, caller, row);

  const owner = changes.ownerAccountId === undefined ? before.ownerAccountId : changes.ownerAccountId;
  const oidc = patchedSettings(before.oidc, patch);
  const clientFields = [
    ...(next.name !== before.name ? ["name"] : []),
    ...(["grants", "scopes", "redirectUris", "audiences", "introspectAudiences"] as const).filter((f) => !sameList(before[f], next[f])),
    ...(owner !== before.ownerAccountId ? ["ownerAccountId"] : []),
  ];
  const oidcFields = changedOidcFields(before.oidc, oidc);
  if (clientFields.length > 0 || oidcFields.length > 0) {
    const now = deps.now();
    const detail = { fields: [...clientFields, ...oidcFields], ...(owner !== before.ownerAccountId ? { owner } : {}) };
    await deps.db.batch([
      auditRow(deps.db, { type: "client.updated", actor: actorOf(caller), subject: id, detail }, now),
      ...(clientFields.length > 0
        ? [
            deps.db
              .update(clients)
              .set({
                name: next.name,
                grants: JSON.stringify(next.grants),
                scopes: JSON.stringify(next.scopes),
                redirectUris: JSON.stringify(next.redirectUris),
                audiences: JSON.stringify(next.audiences),
                introspectAudiences: JSON.stringify(next.introspectAudiences),
                ownerAccountId: owner,
              })
              .where(eq(clients.id, id)),
          ]
        : []),
      ...(oidcFields.length > 0 ? [oidcSettingsWrite(deps.db, id, oidc, now)] : []),
    ]);
  }
  if (changes.disabled !== undefined) return setClientDisabled(deps, caller, id, changes.disabled);
  return getManagedClient(deps, caller, id);
}
