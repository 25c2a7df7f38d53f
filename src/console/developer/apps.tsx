/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The developer's apps: list, register, view and edit, reset the secret, disable, enable, delete — each
 * through the management services as the viewer's developer caller (only their own apps; anyone else's
 * answers 404 like an id that does not exist; every change audited with their account as the actor).
 * Destructive actions have a GET confirmation page; every POST carries the session's CSRF token.
 */
import { Hono, type Context } from "hono";
import { listManagedApiKeys } from "../../admin/api-keys";
import { getManagedClient, listManagedClients, type ManagedClient } from "../../admin/client-view";
import { deleteManagedClient, resetClientSecret, setClientDisabled } from "../../admin/clients-state";
import { createManagedClient, updateManagedClient } from "../../admin/clients-write";
import { AdminError } from "../../admin/errors";
import type { AppDeps } from "../../deps";
import { FORM_ONCE_FIELD, issueFormOnce, spendFormOnce } from "../../session/form-once";
import { formAlreadySentPage } from "../../ui/form-already-sent";
import { consoleForbidden, consoleForm, type ConsoleEnv } from "../guard";
import { consolePage } from "../layout";
import { adminErrorPage } from "../shared/admin-errors";
import type { FormProblem } from "../shared/forms";
import { appChanges, appFormValues, appValuesOf, EMPTY_APP_FORM, formProblems, newAppInput, offeredScopes, type AppFormValues } from "./app-form";
import { confirmTitle, ConfirmAppAction, type AppConfirmable } from "./app-confirm";
import { AppDetail, AppRegistered, AppsList, appPath, RegisterApp, SecretWasReset } from "./app-views";

type C = Context<ConsoleEnv>;

// Fixed texts for `?done=`: the query only picks one, so nothing from the URL is ever shown.
const LIST_NOTICES: Record<string, string> = { deleted: "The app was deleted." };
const APP_NOTICES: Record<string, string> = {
  updated: "Your changes were saved.",
  disabled: "The app was disabled.",
  enabled: "The app was enabled again.",
};

const BACK = { what: "app", back: { href: "/console/apps", label: "Back to your apps" } };

/**
 * Routes of the developer's apps under `/console/apps`.
 * @example app.route("/", developerAppRoutes(deps));
 */
export function developerAppRoutes(deps: AppDeps) {
  const app = new Hono<ConsoleEnv>();

  app.get("/console/apps", async (c) => {
    const viewer = c.var.viewer;
    const apps: ManagedClient[] = [];
    // Every page of them: a developer's apps are few, and one list reads better than pages.
    let cursor: string | undefined;
    do {
      const page = await listManagedClients(deps, viewer.asDeveloper, { limit: 200, cursor });
      apps.push(...page.items);
      cursor = page.next;
    } while (cursor !== undefined);
    return consolePage(c, viewer, { title: "Your apps", active: "apps" }, <AppsList apps={apps} now={deps.now()} notice={LIST_NOTICES[c.req.query("done") ?? ""]} />);
  });

  const registerForm = async (c: C, values: AppFormValues, problems: readonly FormProblem[]) => {
    const viewer = c.var.viewer;
    // Only what may be offered: a forged scope comes back as a problem, not as a new checkbox.
    const [offered, once] = await Promise.all([offeredScopes(deps.db, viewer.session.accountId), issueFormOnce(deps.store, viewer.session.sid)]);
    return consolePage(
      c,
      viewer,
      { title: problems.length > 0 ? "Error: Register an app" : "Register an app", active: "apps", status: problems.length > 0 ? 400 : 200 },
      <RegisterApp csrf={viewer.csrf} once={once} values={values} problems={problems} offered={offered} />,
    );
  };

  app.get("/console/apps/new", (c) => registerForm(c, EMPTY_APP_FORM, []));

  // Answered with the page itself, never a redirect: the secret is in this one response and nowhere else.
  app.post("/console/apps", async (c) => {
    const form = await consoleForm(c, deps);
    if (!form) return consoleForbidden(c);
    const values = appFormValues(form);
    const checked = newAppInput(values);
    if ("problems" in checked) return registerForm(c, values, checked.problems);
    if (!(await spendFormOnce(deps.store, form[FORM_ONCE_FIELD], c.var.viewer.session.sid)))
      return formAlreadySentPage(c, "The app was registered from it, and its secret shown that once. If the secret is lost, reset it on the app's page.", BACK.back);
    try {
      const { client, secret } = await createManagedClient(deps, c.var.viewer.asDeveloper, checked.input);
      return consolePage(c, c.var.viewer, { title: `${client.name} is registered`, active: "apps" }, <AppRegistered app={client} secret={secret} />);
    } catch (e) {
      if (e instanceof AdminError && e.code === "invalid_input") return registerForm(c, values, formProblems(e.problems, values));
      return adminErrorPage(c, e, BACK);
    }
  });

  /** The app page, with the edit form holding `values` (the app's own unless a form came back). */
  const detail = async (c: C, app: ManagedClient, edit?: { values: AppFormValues; problems: FormProblem[] }) => {
    const viewer = c.var.viewer;
    const values = edit?.values ?? appValuesOf(app);
    const problems = edit?.problems ?? [];
    return consolePage(
      c,
      viewer,
      { title: problems.length > 0 ? `Error: ${app.name}` : app.name, active: "apps", status: problems.length > 0 ? 400 : 200 },
      <AppDetail
        app={app}
        csrf={viewer.csrf}
        now={deps.now()}
        values={values}
        problems={problems}
        offered={await offeredScopes(deps.db, viewer.session.accountId, app.scopes)}
        notice={APP_NOTICES[c.req.query("done") ?? ""]}
      />,
    );
  };

  app.get("/console/apps/:id", async (c) => {
    try {
      return await detail(c, await getManagedClient(deps, c.var.viewer.asDeveloper, c.req.param("id")));
    } catch (e) {
      return adminErrorPage(c, e, BACK);
    }
  });

  app.post("/console/apps/:id", async (c) => {
    const form = await consoleForm(c, deps);
    if (!form) return consoleForbidden(c);
    const caller = c.var.viewer.asDeveloper;
    const id = c.req.param("id");
    try {
      const values = appFormValues(form);
      const checked = appChanges(values);
      if ("problems" in checked) return await detail(c, await getManagedClient(deps, caller, id), { values, problems: checked.problems });
      try {
        await updateManagedClient(deps, caller, id, checked.changes);
      } catch (e) {
        if (e instanceof AdminError && e.code === "invalid_input") return await detail(c, await getManagedClient(deps, caller, id), { values, problems: formProblems(e.problems, values) });
        throw e;
      }
      return c.redirect(`${appPath(id)}?done=updated`, 303);
    } catch (e) {
      return adminErrorPage(c, e, BACK);
    }
  });

  // The confirmation pages: what will happen, and the button that does it.
  for (const action of ["reset-secret", "disable", "delete"] as const satisfies readonly AppConfirmable[]) {
    app.get(`/console/apps/:id/${action}`, async (c) => {
      const viewer = c.var.viewer;
      try {
        const target = await getManagedClient(deps, viewer.asDeveloper, c.req.param("id"));
        if (action === "reset-secret" && target.isPublic) throw new AdminError("conflict", "a public app has no secret to reset");
        const keys = await listManagedApiKeys(deps, viewer.asDeveloper, { client: target.id });
        // Disabling revokes the live keys; deleting removes every one.
        const counted = action === "disable" ? keys.filter((k) => k.revokedAt === null).length : keys.length;
        const once = action === "reset-secret" ? await issueFormOnce(deps.store, viewer.session.sid) : undefined;
        return await consolePage(
          c,
          viewer,
          { title: confirmTitle(action, target), active: "apps" },
          <ConfirmAppAction action={action} app={target} apiKeys={counted} csrf={viewer.csrf} once={once} />,
        );
      } catch (e) {
        return adminErrorPage(c, e, BACK);
      }
    });
  }

  // Answered with the page itself (the new secret once), never a redirect.
  app.post("/console/apps/:id/reset-secret", async (c) => {
    const form = await consoleForm(c, deps);
    if (!form) return consoleForbidden(c);
    try {
      // Someone else's app is 404 whatever the form carries; only then is the form's one-time token spent.
      await getManagedClient(deps, c.var.viewer.asDeveloper, c.req.param("id"));
      if (!(await spendFormOnce(deps.store, form[FORM_ONCE_FIELD], c.var.viewer.session.sid)))
        return await formAlreadySentPage(c, "The secret was reset from it and the new one shown that once. If it is lost, reset the secret again.", { href: appPath(c.req.param("id")), label: "Back to the app" });
      const { client, secret } = await resetClientSecret(deps, c.var.viewer.asDeveloper, c.req.param("id"));
      return await consolePage(c, c.var.viewer, { title: `New secret for ${client.name}`, active: "apps" }, <SecretWasReset app={client} secret={secret} />);
    } catch (e) {
      return adminErrorPage(c, e, BACK);
    }
  });

  for (const [action, disabled] of [
    ["disable", true],
    ["enable", false],
  ] as const) {
    app.post(`/console/apps/:id/${action}`, async (c) => {
      const form = await consoleForm(c, deps);
      if (!form) return consoleForbidden(c);
      const id = c.req.param("id");
      try {
        await setClientDisabled(deps, c.var.viewer.asDeveloper, id, disabled);
      } catch (e) {
        return adminErrorPage(c, e, BACK);
      }
      return c.redirect(`${appPath(id)}?done=${disabled ? "disabled" : "enabled"}`, 303);
    });
  }

  app.post("/console/apps/:id/delete", async (c) => {
    const form = await consoleForm(c, deps);
    if (!form) return consoleForbidden(c);
    try {
      await deleteManagedClient(deps, c.var.viewer.asDeveloper, c.req.param("id"));
    } catch (e) {
      return adminErrorPage(c, e, BACK);
    }
    return c.redirect("/console/apps?done=deleted", 303);
  });

  return app;
}
