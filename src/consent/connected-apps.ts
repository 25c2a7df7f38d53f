/**
 * The account page's "Connected apps": an account's consents grouped by client, with the names of the
 * resources they are for.
 */
import type { AppDeps } from "../deps";
import { resourceLookup } from "../resources/lookup";
import type { ConnectedApp } from "../ui/connected-apps";
import { listConsents } from "./consents";

/**
 * The apps `accountId` approved, most recently approved first.
 * @example const apps = await connectedApps(deps, session.accountId);
 */
export async function connectedApps(deps: Pick<AppDeps, "db" | "config" | "now">, accountId: string): Promise<ConnectedApp[]> {
  const lookup = resourceLookup(deps);
  const byClient = new Map<string, ConnectedApp>();
  for (const consent of await listConsents(deps.db, accountId)) {
    let app = byClient.get(consent.clientId);
    if (!app) byClient.set(consent.clientId, (app = { clientId: consent.clientId, clientName: consent.clientName, redirectHost: consent.redirectHost, grants: [] }));
    const resource = await lookup(consent.resource);
    app.grants.push({ resourceName: resource?.name ?? consent.resource, resourceUri: consent.resource, scopes: consent.scopes, updatedAt: consent.updatedAt });
  }
  return [...byClient.values()];
}
