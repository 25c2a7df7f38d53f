/**
 * One-time tokens for forms whose answer must not happen twice — the ones that show a new key or secret
 * once. The page registers a token for the browser session when it is drawn and the form carries it; the
 * POST spends it. A reload that re-sends the form (the browser's "resubmit?") finds it spent and is told
 * so, instead of silently creating a second key whose first copy is already lost.
 */
import type { StateStore } from "../store/store";
import { randomToken } from "../lib/ids";

const PREFIX = "form-once:";
/** A form left open longer than this is refused; reloading the page gives a fresh one. */
const FORM_TTL_SECONDS = 3600;

/** The form field that carries the token. */
export const FORM_ONCE_FIELD = "once";

/**
 * A fresh token for one form of the session `sid`.
 * @example const once = await issueFormOnce(deps.store, session.sid);
 */
export async function issueFormOnce(store: Pick<StateStore, "put">, sid: string): Promise<string> {
  const token = randomToken(16);
  await store.put(PREFIX + token, sid, FORM_TTL_SECONDS);
  return token;
}

/**
 * Spend `token` for the session `sid`: true once, for that session only; false when it was spent, expired,
 * made up, or belongs to another session.
 * @example if (!(await spendFormOnce(deps.store, form.once, session.sid))) return alreadySent(c);
 */
export async function spendFormOnce(store: Pick<StateStore, "take">, token: unknown, sid: string): Promise<boolean> {
  if (typeof token !== "string" || !/^[A-Za-z0-9_-]{16,64}$/.test(token)) return false;
  return (await store.take(PREFIX + token)) === sid;
}
