/**
 * The app forms of the developer console (register, edit) as data: what a form sent, checked with zod into
 * the management services' input, and the services' refusals turned back into problems next to the fields.
 * The rules themselves (redirect URIs, grants per client type, what a developer may allow) stay in the
 * services — src/clients/registry.ts and src/admin/client-policy.ts — and come back as {@link FormProblem}s.
 */
import { z } from "zod";
import { getEntitlements } from "../../accounts/entitlements";
import type { ClientChanges, NewClient } from "../../admin/clients-write";
import { RESERVED_SCOPE_PREFIX } from "../../admin/client-policy";
import type { InputProblem } from "../../admin/errors";
import type { GrantType } from "../../clients/registry";
import type { Database } from "../../db/client";
import { OidcSettingsPatch, type OidcClientSettings } from "../../oidc/client-settings";
import type { ConsoleFormFields } from "../guard";
import { fieldList, fieldText, lines } from "../shared/fields";
import type { FormProblem } from "../shared/forms";

/** The ways an app gets tokens, as the register form offers them (one checkbox each). */
export const GRANT_CHOICES = [
  {
    value: "web",
    label: "Sign people in",
    hint: "Authorization code with PKCE, and refresh tokens. Needs a redirect URI.",
    grants: ["authorization_code", "refresh_token"],
  },
  {
    value: "client_credentials",
    label: "Act as itself (client credentials)",
    hint: "A server calling APIs with its own secret, no person involved. Confidential apps only.",
    grants: ["client_credentials"],
  },
  {
    value: "token_exchange",
    label: "Token exchange",
    hint: "Trade an API key or another token for an access token. Confidential apps only.",
    grants: ["urn:ietf:params:oauth:grant-type:token-exchange"],
  },
] as const satisfies readonly { value: string; label: string; hint: string; grants: readonly GrantType[] }[];

/** One of {@link GRANT_CHOICES}' values. */
export type GrantChoice = (typeof GRANT_CHOICES)[number]["value"];

/** What the register or edit form holds, as typed (re-shown as it was when it comes back with problems). */
export interface AppFormValues {
  name: string;
  /** One per line, as typed. */
  redirectUris: string;
  /** One per line, as typed. */
  audiences: string;
  /** Ticked {@link GRANT_CHOICES} (register only). */
  grants: string[];
  scopes: string[];
  /** Register only. */
  kind: "confidential" | "public";
  /** The ID-token algorithm as chosen (OpenID Connect). */
  idTokenAlg: string;
  /** The UserInfo algorithm as chosen; "" for JSON (OpenID Connect). */
  userinfoAlg: string;
  /** One per line, as typed (OpenID Connect). */
  postLogoutRedirectUris: string;
}

/** OpenID Connect settings as the form shows them. */
const oidcValues = (s: OidcClientSettings) => ({ idTokenAlg: s.idTokenAlg, userinfoAlg: s.userinfoAlg ?? "", postLogoutRedirectUris: s.postLogoutRedirectUris.join("\n") });

/** An empty register form: a confidential web app, the most common case, with the OpenID Connect defaults. */
export const EMPTY_APP_FORM: AppFormValues = {
  name: "",
  redirectUris: "",
  audiences: "",
  grants: ["web"],
  scopes: [],
  kind: "confidential",
  ...oidcValues({ idTokenAlg: "RS256", userinfoAlg: null, postLogoutRedirectUris: [] }),
};

/**
 * The form's values from a POST.
 * @example const values = appFormValues(form);
 */
export function appFormValues(form: ConsoleFormFields): AppFormValues {
  return {
    name: fieldText(form, "name"),
    redirectUris: fieldText(form, "redirect_uris"),
    audiences: fieldText(form, "audiences"),
    grants: fieldList(form, "grant"),
    scopes: fieldList(form, "scope"),
    kind: fieldText(form, "kind") === "public" ? "public" : "confidential",
    idTokenAlg: fieldText(form, "id_token_alg"),
    userinfoAlg: fieldText(form, "userinfo_alg"),
    postLogoutRedirectUris: fieldText(form, "post_logout_redirect_uris"),
  };
}

/** The form's values of an existing app (the edit form starts from them). */
export function appValuesOf(app: { name: string; redirectUris: string[]; audiences: string[]; scopes: string[]; isPublic: boolean; oidc: OidcClientSettings }): AppFormValues {
  return {
    name: app.name,
    redirectUris: app.redirectUris.join("\n"),
    audiences: app.audiences.join("\n"),
    grants: [],
    scopes: app.scopes,
    kind: app.isPublic ? "public" : "confidential",
    ...oidcValues(app.oidc),
  };
}

// Bounds like the management API's, so a pasted novel is a problem on the page, not work for the services.
const uriLines = (what: string) =>
  z
    .string()
    .max(100_000)
    .transform(lines)
    .pipe(z.array(z.string().max(2000, `Keep each ${what} to 2000 characters.`)).max(50, `Fifty ${what}s at most.`));
// An algorithm as a select sends it: "" (JSON for UserInfo; nothing chosen) is the default, anything else
// must pass the settings' own rule.
const algChoice = z
  .string()
  .transform((v) => (v === "" ? null : v))
  .pipe(OidcSettingsPatch.shape.idTokenAlg.unwrap());
const Common = {
  name: z.string().trim().min(1, "Give the app a name.").max(200, "Keep the name to 200 characters."),
  redirectUris: uriLines("redirect URI"),
  audiences: uriLines("audience"),
  scopes: z.array(z.string().max(200)).max(100, "A hundred scopes at most."),
  idTokenAlg: algChoice,
  userinfoAlg: algChoice,
  postLogoutRedirectUris: uriLines("post-logout redirect URI"),
};
const RegisterShape = z.object({
  ...Common,
  grants: z.array(z.enum(GRANT_CHOICES.map((g) => g.value) as [GrantChoice, ...GrantChoice[]])).min(1, "Pick at least one way the app gets tokens."),
  kind: z.enum(["confidential", "public"]),
});
const EditShape = z.object(Common);

/** The form control each field's problems belong to (see the forms in app-form-view.tsx). */
const CONTROL: Record<string, string> = {
  name: "name",
  redirectUris: "redirect_uris",
  audiences: "audiences",
  grants: "grants",
  scopes: "scopes",
  kind: "kind",
  isPublic: "kind",
  idTokenAlg: "id_token_alg",
  userinfoAlg: "userinfo_alg",
  postLogoutRedirectUris: "post_logout_redirect_uris",
};

/** The fields typed one entry per line, what one entry is called, and where the form holds the lines. */
const LINES: Record<string, { what: string; text: (v: AppFormValues) => string }> = {
  redirectUris: { what: "Redirect URI", text: (v) => v.redirectUris },
  audiences: { what: "Audience", text: (v) => v.audiences },
  postLogoutRedirectUris: { what: "Post-logout redirect URI", text: (v) => v.postLogoutRedirectUris },
};

function sentence(message: string): string {
  const s = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/**
 * The services' (or the form's own) problems as problems of the form: each on its control, a redirect URI's
 * naming the line it is about.
 * @example formProblems(error.problems, values)
 */
export function formProblems(problems: readonly InputProblem[], values: AppFormValues): FormProblem[] {
  return problems.map((p) => {
    const [head, index] = p.field.split(".");
    const control = CONTROL[head ?? ""];
    const list = LINES[head ?? ""];
    const item = list && index !== undefined ? lines(list.text(values))[Number(index)] : undefined;
    return { field: control, message: list && item !== undefined ? `${list.what} “${item}”: ${p.message}${/[.!?]$/.test(p.message) ? "" : "."}` : sentence(p.message) };
  });
}

/** The problems of a zod check, in the services' shape. */
function zodProblems(issues: readonly z.core.$ZodIssue[]): InputProblem[] {
  return issues.map((i) => ({ field: i.path.map(String).join(".") || "input", message: i.message }));
}

/**
 * The register form as the input of createManagedClient, or its problems.
 * @example const r = newAppInput(values); if ("problems" in r) …; else await createManagedClient(deps, caller, r.input);
 */
export function newAppInput(values: AppFormValues): { input: NewClient } | { problems: FormProblem[] } {
  const parsed = RegisterShape.safeParse(values);
  if (!parsed.success) return { problems: formProblems(zodProblems(parsed.error.issues), values) };
  const v = parsed.data;
  const grants = GRANT_CHOICES.filter((g) => v.grants.includes(g.value)).flatMap((g) => [...g.grants]);
  return {
    input: {
      name: v.name,
      isPublic: v.kind === "public",
      grants,
      scopes: v.scopes,
      redirectUris: v.redirectUris,
      audiences: v.audiences,
      idTokenAlg: v.idTokenAlg,
      userinfoAlg: v.userinfoAlg,
      postLogoutRedirectUris: v.postLogoutRedirectUris,
    },
  };
}

/**
 * The edit form as changes for updateManagedClient, or its problems. Grants and the client type stay as
 * they are (the type never changes; grants are chosen at registration).
 * @example const r = appChanges(values);
 */
export function appChanges(values: AppFormValues): { changes: ClientChanges } | { problems: FormProblem[] } {
  const parsed = EditShape.safeParse(values);
  if (!parsed.success) return { problems: formProblems(zodProblems(parsed.error.issues), values) };
  const v = parsed.data;
  return {
    changes: {
      name: v.name,
      redirectUris: v.redirectUris,
      audiences: v.audiences,
      scopes: v.scopes,
      idTokenAlg: v.idTokenAlg,
      userinfoAlg: v.userinfoAlg,
      postLogoutRedirectUris: v.postLogoutRedirectUris,
    },
  };
}

/**
 * The scopes the form offers: those the developer is entitled to now except the reserved `authbridge:`
 * ones (what client-policy.ts lets them add), plus whatever the app already has (an operator may have
 * allowed more; unticking it removes it). The services check the choice again.
 * @example const offered = await offeredScopes(deps.db, accountId, app.scopes);
 */
export async function offeredScopes(db: Database, accountId: string, current: readonly string[] = []): Promise<string[]> {
  const entitled = (await getEntitlements(db, accountId))?.scopes ?? [];
  return [...new Set([...entitled.filter((s) => !s.startsWith(RESERVED_SCOPE_PREFIX)), ...current])].sort();
}
