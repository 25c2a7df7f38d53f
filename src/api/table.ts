/**
 * Every route of the management API, in one table: what src/api/routes.ts registers and what the tests
 * walk (a non-operator must get 403 on every operator route).
 */
import { accountRoutes } from "./accounts";
import { apiKeyRoutes } from "./api-keys";
import { auditRoutes } from "./audit";
import { clientRoutes } from "./clients";
import type { ApiRoute } from "./route";
import { signingKeyRoutes } from "./signing-keys";

/** The management API's routes. */
export const MANAGEMENT_ROUTES: readonly ApiRoute[] = [...clientRoutes, ...accountRoutes, ...auditRoutes, ...signingKeyRoutes, ...apiKeyRoutes];
