/**
 * What happens once a provider vouched for an identity: map it to an account (login or link), derive
 * the account's entitlements from the rules, start a fresh bridge session on login (never reuse one
 * across a login: no session fixation), then continue where the flow was started.
 */
import type { Context } from "hono";
import { AccountError } from "../accounts/errors";
import { deriveAndPublish } from "../accounts/published-entitlements";
import { resolveLogin } from "../accounts/identities";
import type { AppDeps } from "../deps";
import type { ExternalIdentity } from "../domain";
import { derivedKey } from "../lib/secret";
import type { Rules } from "../rules/schema";
import { currentSession, startSession } from "../session/session";
import { errorPage } from "../ui/error-page";
import type { FlowOutcome } from "./routes";

const STATUS: Record<AccountError["code"], number> = {
  identity_linked_elsewhere: 409,
  link_requires_session: 401,
  account_blocked: 403,
  last_identity: 409,
  not_found: 404,
};

/** Build the `onIdentity` callback of the upstream login routes. */
export function onIdentity(deps: AppDeps, rules: Rules) {
  return async (c: Context, identity: ExternalIdentity, flow: FlowOutcome): Promise<Response> => {
    const session = await currentSession(c, deps);
    const now = deps.now();
    try {
      const resolved = await resolveLogin(deps.db, identity, {
        intent: flow.intent,
        sessionAccountId: session?.accountId,
        sealKey: await derivedKey(deps.config.secret, "provider-token-encryption"),
        now,
      });
      await deriveAndPublish(deps, rules, resolved.accountId, now);
      if (flow.intent === "login") await startSession(c, deps, resolved.accountId);
      return c.redirect(flow.returnTo, 302);
    } catch (e) {
      if (!(e instanceof AccountError)) throw e;
      return errorPage(c, {
        status: STATUS[e.code],
        title: e.code === "identity_linked_elsewhere" ? "Already linked to another account" : "Sign-in refused",
        message: e.message,
        link: flow.intent === "link" ? { href: "/account", label: "Back to your account" } : undefined,
      });
    }
  };
}
