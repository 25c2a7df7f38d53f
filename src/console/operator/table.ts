/**
 * Every route of the operator's side of the console, in one table: what ./routes.tsx registers and what the
 * tests walk (a non-operator gets 403 on each; each POST refuses a missing CSRF token). Pages that destroy
 * or stop something are reached through a confirmation page (the GET of the same path).
 */
import { confirmBlock, confirmRevokeKey, confirmRevokeSession, blockAccount, revokeKey, revokeSession, unblockAccount } from "./account-actions";
import { accountPage } from "./account-page";
import { accountsPage } from "./accounts-list";
import { auditPage } from "./audit-page";
import { confirmDeleteClient, confirmDisableClient, deleteClient, disableClient, enableClient, updateClient } from "./client-actions";
import { clientPage } from "./client-page";
import { clientsPage } from "./clients-list";
import { action, page, type OperatorRoute } from "./route";
import { confirmRotate, rotate, signingKeysPage } from "./signing-keys-page";

const CLIENT = "/console/admin/clients/:clientId";
const ACCOUNT = "/console/admin/accounts/:accountId";

/** The operator console's routes. */
export const OPERATOR_ROUTES: readonly OperatorRoute[] = [
  page("/console/admin/clients", "every client: search by name or id, a page at a time", clientsPage),
  page(CLIENT, "one client: details, owner, status, and the form editing its scopes and redirect URIs", clientPage),
  action(CLIENT, "save the client's scopes and redirect URIs", updateClient),
  page(`${CLIENT}/disable`, "confirm disabling the client", confirmDisableClient),
  action(`${CLIENT}/disable`, "disable the client (its live tokens and API keys revoked)", disableClient),
  action(`${CLIENT}/enable`, "enable the client again", enableClient),
  page(`${CLIENT}/delete`, "confirm deleting the client", confirmDeleteClient),
  action(`${CLIENT}/delete`, "delete the client and its API keys", deleteClient),

  page("/console/admin/accounts", "accounts: search by platform username, display name or id", accountsPage),
  page(ACCOUNT, "one account: identities, entitlements with the rule behind each, sessions, API keys, apps", accountPage),
  page(`${ACCOUNT}/block`, "confirm blocking the account", confirmBlock),
  action(`${ACCOUNT}/block`, "block the account (everything it holds revoked)", blockAccount),
  action(`${ACCOUNT}/unblock`, "unblock the account", unblockAccount),
  page(`${ACCOUNT}/sessions/:sessionId/revoke`, "confirm revoking one of the account's sessions", confirmRevokeSession),
  action(`${ACCOUNT}/sessions/:sessionId/revoke`, "revoke the session and its tokens", revokeSession),
  page(`${ACCOUNT}/api-keys/:keyId/revoke`, "confirm revoking one of the account's API keys", confirmRevokeKey),
  action(`${ACCOUNT}/api-keys/:keyId/revoke`, "revoke the API key and the tokens exchanged from it", revokeKey),

  page("/console/admin/audit", "the audit log: filters by type, account, client and dates; newest first", auditPage),

  page("/console/admin/signing-keys", "signing keys: current, published, retired", signingKeysPage),
  page("/console/admin/signing-keys/rotate", "confirm rotating the signing key", confirmRotate),
  action("/console/admin/signing-keys/rotate", "rotate the signing key", rotate),
];
