/**
 * Services composed from the app's adapters. Built once per app; tests build their own over the same
 * deps to drive the machinery directly.
 */
import type { AppDeps } from "./deps";
import { createRefreshService, type RefreshService } from "./tokens/refresh";

/** The composed services. */
export interface Services {
  refresh: RefreshService;
}

/** Compose the services over `deps`. */
export function createServices(deps: AppDeps): Services {
  const { config } = deps;
  return {
    refresh: createRefreshService(deps.store, config.secret, {
      absoluteTtl: config.refreshTokenTtl,
      idleTtl: config.refreshIdleTtl,
      grace: config.refreshReuseGrace,
      markTtl: config.accessTokenTtl + 60,
    }),
  };
}
