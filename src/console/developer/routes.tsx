/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** The developer's side of the console: their own apps (and keys). */
import { Hono } from "hono";
import { listManagedClients } from "../../admin/client-view";
import type { AppDeps } from "../../deps";
import type { ConsoleEnv } from "../guard";
import { consolePage } from "../layout";

/**
 * Routes under `/console/` for developers (the gate in ../routes.ts has already let the viewer in).
 * @example app.route("/", developerConsoleRoutes(deps));
 */
export function developerConsoleRoutes(deps: AppDeps) {
  const app = new Hono<ConsoleEnv>();

  app.get("/console/apps", async (c) => {
    const viewer = c.var.viewer;
    const { items } = await listManagedClients(deps, viewer.asDeveloper, { limit: 100 });
    return consolePage(
      c,
      viewer,
      { title: "Your apps", active: "apps" },
      <>
        <h1>Your apps</h1>
        {items.length === 0 ? (
          <p>You have not registered an app yet.</p>
        ) : (
          <div class="table-wrap">
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Client id</th>
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
                    <td data-label="Status">{a.disabledAt === null ? "Enabled" : "Disabled"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </>,
    );
  });

  return app;
}
