/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * What an operator does to a client: edit its allowed scopes and redirect URIs, disable it (after a
 * confirmation page: it revokes live tokens and keys), enable it, delete it (after a confirmation page).
 * Each goes through the management services, which audit it with the operator's account as actor.
 */
import type { Child } from "hono/jsx";
import { z } from "zod";
import { getManagedClient, type ManagedClient } from "../../admin/client-view";
import { updateManagedClient } from "../../admin/clients-write";
import { deleteManagedClient, setClientDisabled } from "../../admin/clients-state";
import { AdminError, type InputProblem } from "../../admin/errors";
import type { AppDeps } from "../../deps";
import type { ConsoleFormFields } from "../guard";
import { consolePage } from "../layout";
import { adminErrorPage } from "../shared/admin-errors";
import { ConfirmAction } from "../shared/confirm";
import { fieldText, lines } from "../shared/fields";
import type { FormProblem } from "../shared/forms";
import { CLIENTS_BACK, clientPath, renderClient } from "./client-page";
import { doneRedirect, param, type OperatorContext } from "./route";

const EditForm = z.object({
  scopes: z.string().max(10_000, "Keep the scopes under 10,000 characters."),
  redirect_uris: z.string().max(20_000, "Keep the redirect URIs under 20,000 characters."),
});

/** The form control a service's problem is about, and the problem in words that name the value. */
function formProblem(p: InputProblem, sent: { scopes: string[]; redirectUris: string[] }): FormProblem {
  const [field, index] = p.field.split(".");
  const at = index === undefined ? undefined : Number(index);
  if (field === "scopes") return { field: "scopes", message: at === undefined ? `Scopes: ${p.message}` : `Scope “${sent.scopes[at] ?? ""}”: ${p.message}` };
  if (field === "redirectUris")
    return { field: "redirect-uris", message: at === undefined ? `Redirect URIs: ${p.message}` : `Redirect URI “${sent.redirectUris[at] ?? ""}”: ${p.message}` };
  return { field: undefined, message: `${p.field}: ${p.message}` };
}

/**
 * POST /console/admin/clients/:clientId: save the allowed scopes and redirect URIs; the page again with the
 * problems (400) when the rules refuse them.
 * @example action("/console/admin/clients/:clientId", "edit scopes and redirect URIs", updateClient)
 */
export async function updateClient(c: OperatorContext, deps: AppDeps, form: ConsoleFormFields): Promise<Response> {
  const caller = c.var.viewer.asOperator;
  const id = param(c, "clientId");
  let client: ManagedClient;
  try {
    client = await getManagedClient(deps, caller, id);
  } catch (err) {
    return adminErrorPage(c, err, CLIENTS_BACK);
  }
  const raw = { scopes: fieldText(form, "scopes"), redirectUris: fieldText(form, "redirect_uris") };
  const parsed = EditForm.safeParse({ scopes: raw.scopes, redirect_uris: raw.redirectUris });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({ field: i.path[0] === "scopes" ? "scopes" : "redirect-uris", message: i.message }));
    return renderClient(c, deps, client, { ...raw, problems }, 400);
  }
  const sent = { scopes: parsed.data.scopes.split(/\s+/).filter((s) => s !== ""), redirectUris: lines(parsed.data.redirect_uris) };
  try {
    await updateManagedClient(deps, caller, id, sent);
  } catch (err) {
    if (err instanceof AdminError && err.code === "invalid_input") return renderClient(c, deps, client, { ...raw, problems: err.problems.map((p) => formProblem(p, sent)) }, 400);
    return adminErrorPage(c, err, CLIENTS_BACK);
  }
  return doneRedirect(c, clientPath(id), "updated");
}

/** A confirmation page about a client: 404 when it does not exist. */
async function confirmAbout(c: OperatorContext, deps: AppDeps, body: (client: ManagedClient) => { title: string; page: Child }): Promise<Response> {
  let client: ManagedClient;
  try {
    client = await getManagedClient(deps, c.var.viewer.asOperator, param(c, "clientId"));
  } catch (err) {
    return adminErrorPage(c, err, CLIENTS_BACK);
  }
  const { title, page } = body(client);
  return consolePage(c, c.var.viewer, { title, active: "clients" }, page);
}

/**
 * GET /console/admin/clients/:clientId/disable: what disabling does, and the button that does it.
 * @example page("/console/admin/clients/:clientId/disable", "confirm disabling", confirmDisableClient)
 */
export function confirmDisableClient(c: OperatorContext, deps: AppDeps): Promise<Response> {
  return confirmAbout(c, deps, (a) => ({
    title: `Disable ${a.name}?`,
    page: (
      <ConfirmAction
        heading={`Disable the client ${a.name}?`}
        action={`${clientPath(a.id)}/disable`}
        csrf={c.var.viewer.csrf}
        button={{ label: `Disable client ${a.name}` }}
        cancel={{ href: clientPath(a.id), label: "Keep it enabled" }}
      >
        <ul class="bullets">
          <li>Every access token it holds stops working at once, and its API keys are revoked for good.</li>
          <li>It cannot get new tokens; people signing in to it are refused.</li>
          <li>You can enable it again later, but what was revoked stays revoked.</li>
          {a.ownerAccountId ? <li>Its owner cannot enable it again: only an operator can.</li> : null}
        </ul>
      </ConfirmAction>
    ),
  }));
}

/**
 * GET /console/admin/clients/:clientId/delete: what deleting does, and the button that does it.
 * @example page("/console/admin/clients/:clientId/delete", "confirm deleting", confirmDeleteClient)
 */
export function confirmDeleteClient(c: OperatorContext, deps: AppDeps): Promise<Response> {
  return confirmAbout(c, deps, (a) => ({
    title: `Delete ${a.name}?`,
    page: (
      <ConfirmAction
        heading={`Delete the client ${a.name}?`}
        action={`${clientPath(a.id)}/delete`}
        csrf={c.var.viewer.csrf}
        button={{ label: `Delete client ${a.name}` }}
        cancel={{ href: clientPath(a.id), label: "Keep the client" }}
      >
        <ul class="bullets">
          <li>
            The client <code>{a.id}</code> and its API keys are deleted; this cannot be undone.
          </li>
          <li>Every access token it holds, and every token exchanged from its keys, stops working at once.</li>
          <li>The audit log keeps what happened to it.</li>
        </ul>
      </ConfirmAction>
    ),
  }));
}

/** Run a state change on the client in the path, then back to `to` with a notice. */
async function change(c: OperatorContext, work: (id: string) => Promise<unknown>, to: (id: string) => string, done: string): Promise<Response> {
  const id = param(c, "clientId");
  try {
    await work(id);
  } catch (err) {
    return adminErrorPage(c, err, CLIENTS_BACK);
  }
  return doneRedirect(c, to(id), done);
}

/** POST /console/admin/clients/:clientId/disable. */
export const disableClient = (c: OperatorContext, deps: AppDeps) => change(c, (id) => setClientDisabled(deps, c.var.viewer.asOperator, id, true), clientPath, "disabled");

/** POST /console/admin/clients/:clientId/enable. */
export const enableClient = (c: OperatorContext, deps: AppDeps) => change(c, (id) => setClientDisabled(deps, c.var.viewer.asOperator, id, false), clientPath, "enabled");

/** POST /console/admin/clients/:clientId/delete: back to the list. */
export const deleteClient = (c: OperatorContext, deps: AppDeps) => change(c, (id) => deleteManagedClient(deps, c.var.viewer.asOperator, id), () => "/console/admin/clients", "deleted");
