/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The developer's personal API keys under `/console/keys`: list, create (the key shown once, in the answer
 * to the POST), revoke (confirmed first) — through the management services as the viewer's developer
 * caller, so each change is audited with their account as the actor. Only the account's own personal keys
 * are here; anyone else's key id answers 404 like one that does not exist.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { getEntitlements } from "../../accounts/entitlements";
import { createManagedApiKey, listManagedApiKeys, revokeManagedApiKey } from "../../admin/api-keys";
import { AdminError } from "../../admin/errors";
import { ApiKeyError, type ApiKey } from "../../apikeys/registry";
import type { AppDeps } from "../../deps";
import { FORM_ONCE_FIELD, issueFormOnce, spendFormOnce } from "../../session/form-once";
import { formAlreadySentPage } from "../../ui/form-already-sent";
import { API_KEY_EXPIRIES } from "../../ui/account-page";
import { consoleForbidden, consoleForm, type ConsoleEnv } from "../guard";
import { consolePage } from "../layout";
import { adminErrorPage } from "../shared/admin-errors";
import { fieldList, fieldText } from "../shared/fields";
import type { FormProblem } from "../shared/forms";
import { ConfirmRevokeKey, EMPTY_KEY_FORM, KeyCreated, KeysPage, type KeyFormValues } from "./key-views";

type C = Context<ConsoleEnv>;

const NOTICES: Record<string, string> = { revoked: "The API key was revoked." };
const BACK = { what: "API key", back: { href: "/console/keys", label: "Back to your API keys" } };

const KeyForm = z.object({
  name: z.string().trim().min(1, "Give the key a name, so you can tell it apart later.").max(100, "Keep the name to 100 characters."),
  scopes: z.array(z.string()).max(100),
  expires: z.enum(API_KEY_EXPIRIES.map((e) => e.value) as [string, ...string[]], "Pick when the key expires from the list."),
});
const CONTROL: Record<string, string> = { name: "key-name", scopes: "key-scopes", expires: "key-expires" };

/**
 * Routes of the developer's personal API keys.
 * @example app.route("/", developerKeyRoutes(deps));
 */
export function developerKeyRoutes(deps: AppDeps) {
  const app = new Hono<ConsoleEnv>();

  /** The account's live personal keys (a revoked key can do nothing more: the list is of those that can). */
  const ownKeys = async (c: C): Promise<ApiKey[]> =>
    (await listManagedApiKeys(deps, c.var.viewer.asDeveloper, { account: c.var.viewer.session.accountId })).filter((k) => k.revokedAt === null);

  const keysPage = async (c: C, values: KeyFormValues, problems: readonly FormProblem[]) => {
    const viewer = c.var.viewer;
    const [keys, entitled, once] = await Promise.all([ownKeys(c), getEntitlements(deps.db, viewer.session.accountId), issueFormOnce(deps.store, viewer.session.sid)]);
    return consolePage(
      c,
      viewer,
      { title: problems.length > 0 ? "Error: Your API keys" : "Your API keys", active: "keys", status: problems.length > 0 ? 400 : 200 },
      <KeysPage
        keys={keys}
        now={deps.now()}
        csrf={viewer.csrf}
        once={once}
        entitled={entitled?.scopes ?? []}
        values={values}
        problems={problems}
        notice={NOTICES[c.req.query("done") ?? ""]}
      />,
    );
  };

  app.get("/console/keys", (c) => keysPage(c, EMPTY_KEY_FORM, []));

  // Answered with the page itself, never a redirect: the key is in this one response and nowhere else.
  app.post("/console/keys", async (c) => {
    const form = await consoleForm(c, deps);
    if (!form) return consoleForbidden(c);
    const viewer = c.var.viewer;
    const values: KeyFormValues = { name: fieldText(form, "name"), scopes: fieldList(form, "scope"), expires: fieldText(form, "expires") || "never" };
    const parsed = KeyForm.safeParse(values);
    if (!parsed.success) return keysPage(c, values, parsed.error.issues.map((i) => ({ field: CONTROL[String(i.path[0])], message: i.message })));
    // Only scopes the account holds now: a key never carries more anyway, so anything else is a stale or forged form.
    const entitled = new Set((await getEntitlements(deps.db, viewer.session.accountId))?.scopes ?? []);
    const foreign = parsed.data.scopes.filter((s) => !entitled.has(s));
    if (foreign.length > 0) return keysPage(c, values, [{ field: "key-scopes", message: `Not among your scopes: ${foreign.join(", ")}. Pick again.` }]);
    const seconds = API_KEY_EXPIRIES.find((e) => e.value === parsed.data.expires)?.seconds ?? null;
    if (!(await spendFormOnce(deps.store, form[FORM_ONCE_FIELD], viewer.session.sid)))
      return formAlreadySentPage(c, "A key was created from it and shown that once. If that key is lost, revoke it and create a new one.", BACK.back);
    try {
      const { key, apiKey } = await createManagedApiKey(deps, viewer.asDeveloper, {
        name: parsed.data.name,
        account: viewer.session.accountId,
        // None ticked: whatever the account is entitled to at each use.
        scopes: parsed.data.scopes.length > 0 ? parsed.data.scopes : null,
        ...(seconds !== null ? { expiresInSeconds: seconds } : {}),
      });
      return await consolePage(c, viewer, { title: `API key ${apiKey.name} created`, active: "keys" }, <KeyCreated apiKey={apiKey} secret={key} />);
    } catch (e) {
      // The registry checks the input once more (its own error type); show that next to the form too.
      if (e instanceof ApiKeyError && e.code === "invalid_input") return keysPage(c, values, [{ field: undefined, message: e.message }]);
      if (e instanceof AdminError && e.code === "invalid_input") return keysPage(c, values, e.problems.map((p) => ({ field: CONTROL[p.field.split(".")[0] ?? ""], message: p.message })));
      return adminErrorPage(c, e, BACK);
    }
  });

  /** One of the account's own live personal keys, or not_found (someone else's key looks like no key). */
  const ownKey = async (c: C): Promise<ApiKey> => {
    const id = c.req.param("id");
    const key = (await ownKeys(c)).find((k) => k.id === id);
    if (!key) throw new AdminError("not_found", `no API key ${id ?? ""}`);
    return key;
  };

  app.get("/console/keys/:id/revoke", async (c) => {
    try {
      const key = await ownKey(c);
      return await consolePage(c, c.var.viewer, { title: `Revoke ${key.name}?`, active: "keys" }, <ConfirmRevokeKey apiKey={key} csrf={c.var.viewer.csrf} />);
    } catch (e) {
      return adminErrorPage(c, e, BACK);
    }
  });

  app.post("/console/keys/:id/revoke", async (c) => {
    const form = await consoleForm(c, deps);
    if (!form) return consoleForbidden(c);
    try {
      // Checked against the personal keys first, like the confirmation page: this page manages those only.
      const key = await ownKey(c);
      await revokeManagedApiKey(deps, c.var.viewer.asDeveloper, key.id);
    } catch (e) {
      return adminErrorPage(c, e, BACK);
    }
    return c.redirect("/console/keys?done=revoked", 303);
  });

  return app;
}
