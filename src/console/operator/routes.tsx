/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** The operator's side of the console: every client, account, session, signing key and the audit log. */
import { Hono } from "hono";
import { listManagedClients } from "../../admin/client-view";
import type { AppDeps } from "../../deps";
import type { ConsoleEnv } from "../guard";
import { consolePage } from "../layout";

/**
 * Routes under `/console/admin/` (the gate in ../routes.ts lets only operators in).
 * @example app.route("/", operatorConsoleRoutes(deps));
 */
export function operatorConsoleRoutes(deps: AppDeps) {
  const app = new Hono<ConsoleEnv>();

  app.get("/console/admin/clients", async (c) => {
    const viewer = c.var.viewer;
    const { items } = await listManagedClients(deps, viewer.asOperator, { limit: 100 });
    return consolePage(
      c,
      viewer,
      { title: "Clients", active: "clients" },
      <>
        <h1>Clients</h1>
        <div class="table-wrap">
          <table class="stack">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Client id</th>
                <th scope="col">Owner</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <tr>
                  <td data-label="Name">{a.name}</td>
                  <td data-label="Client id">
                    <code>{a.id}</code>
                  </td>
                  <td data-label="Owner">{a.ownerAccountId ? <code>{a.ownerAccountId}</code> : "operator"}</td>
                  <td data-label="Status">{a.disabledAt === null ? "Enabled" : "Disabled"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </>,
    );
  });

  return app;
}
