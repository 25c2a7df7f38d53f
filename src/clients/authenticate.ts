/**
 * Client authentication at the token, revocation and introspection endpoints: `client_secret_basic`,
 * `client_secret_post`, or `none` for public clients. Every failure is the same `invalid_client`, so the
 * answer never tells an unknown client from a wrong secret or a disabled client.
 */
import { ClientAuthError, OAuthError } from "../errors";
import type { Client } from "./registry";
import { hashClientSecret, verifyClientSecret } from "./secret-hash";

/** How the client proved itself. */
export type ClientAuthMethod = "client_secret_basic" | "client_secret_post" | "none";

/** An authenticated (or, for public clients, identified) client. */
export interface AuthenticatedClient {
  client: Client;
  method: ClientAuthMethod;
}

// Compared against when the client is unknown, so that both paths cost one HMAC verification.
const DUMMY_HASH = hashClientSecret("not a real secret");

/** RFC 6749 §2.3.1: the Basic credentials are form-urlencoded before base64. */
function formDecode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, " "));
}

function parseBasic(header: string): { id: string; secret: string } {
  const fail = () => new ClientAuthError(undefined, { basicChallenge: true, description: "malformed Basic credentials" });
  let decoded: string;
  try {
    decoded = atob(header.slice(6).trim());
  } catch {
    throw fail();
  }
  const i = decoded.indexOf(":");
  if (i < 0) throw fail();
  try {
    return { id: formDecode(decoded.slice(0, i)), secret: formDecode(decoded.slice(i + 1)) };
  } catch {
    throw fail();
  }
}

/**
 * Authenticate the caller of an OAuth endpoint.
 * `findClient` reads one client by id (AppDeps.findClient).
 * @example const { client } = await authenticateClient(deps.findClient, c.req.header("authorization"), form);
 */
export async function authenticateClient(
  findClient: (id: string) => Promise<Client | undefined>,
  authorization: string | undefined,
  form: Record<string, string>,
): Promise<AuthenticatedClient> {
  const basic = authorization !== undefined && /^basic /i.test(authorization);
  if (basic && form.client_secret !== undefined)
    throw new OAuthError("invalid_request", "use exactly one client authentication method");
  let id: string | undefined;
  let secret: string | undefined;
  let method: ClientAuthMethod;
  if (basic) {
    ({ id, secret } = parseBasic(authorization));
    if (form.client_id !== undefined && form.client_id !== id) throw new OAuthError("invalid_request", "client_id does not match the Basic credentials");
    method = "client_secret_basic";
  } else if (form.client_secret !== undefined) {
    id = form.client_id;
    secret = form.client_secret;
    method = "client_secret_post";
  } else {
    id = form.client_id;
    method = "none";
  }
  // The limiter keys failures by the existing client named (and the address); the answer stays the same.
  const failed = (known?: Client) => new ClientAuthError(known?.id, { basicChallenge: basic });
  if (!id) throw failed();
  const client = await findClient(id);
  if (method === "none") {
    if (!client || !client.isPublic || client.disabledAt !== null) throw failed(client);
    return { client, method };
  }
  const ok = await verifyClientSecret(secret ?? "", client?.secretHash ?? (await DUMMY_HASH));
  if (!client || !ok || client.isPublic || client.disabledAt !== null) throw failed(client);
  return { client, method };
}
