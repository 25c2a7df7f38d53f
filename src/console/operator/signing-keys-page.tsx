/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Signing keys for operators: the one signing now, the ones still published in the JWKS (they verify live
 * tokens), the retired ones, with times in words; and rotation after a confirmation page. Private keys
 * never reach a page.
 */
import { actorOf } from "../../admin/caller";
import { listSigningKeys, rotateSigningKey, type SigningKeyView } from "../../admin/signing-keys";
import type { AppDeps } from "../../deps";
import { When } from "../../ui/when";
import { consolePage } from "../layout";
import { ConfirmAction } from "../shared/confirm";
import { ButtonLink, DoneNotice } from "./parts";
import { doneRedirect, type OperatorContext } from "./route";

const PATH = "/console/admin/signing-keys";

/** Notices after a change that lands on this page. */
const DONE = { rotated: "A new signing key signs from now on. The previous one stays published until the tokens it signed have expired." };

function State(props: { k: SigningKeyView }) {
  if (props.k.current) return <strong>Signs new tokens</strong>;
  return props.k.published ? <>Published: verifies tokens it signed</> : <span class="muted">Retired, no longer published</span>;
}

/**
 * GET /console/admin/signing-keys.
 * @example page("/console/admin/signing-keys", "signing keys", signingKeysPage)
 */
export async function signingKeysPage(c: OperatorContext, deps: AppDeps): Promise<Response> {
  const keys = await listSigningKeys(deps);
  const now = deps.now();
  return consolePage(
    c,
    c.var.viewer,
    { title: "Signing keys", active: "signing-keys" },
    <>
      <h1>Signing keys</h1>
      <DoneNotice done={c.req.query("done")} texts={DONE} />
      <p class="muted">
        Tokens are signed with the current key; resource servers verify them with the published ones (<a href="/.well-known/jwks.json">the JWKS</a>).
      </p>
      <div class="table-wrap">
        <table class="stack" id="signing-keys">
          <thead>
            <tr>
              <th scope="col">Key id</th>
              <th scope="col">Algorithm</th>
              <th scope="col">Created</th>
              <th scope="col">Retired</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr data-kid={k.kid} data-current={k.current ? "true" : undefined}>
                <td data-label="Key id">
                  <code>{k.kid}</code>
                </td>
                <td data-label="Algorithm">{k.alg}</td>
                <td data-label="Created">
                  <When at={k.createdAt} now={now} />
                </td>
                <td data-label="Retired">{k.retiredAt === null ? <span class="muted">not retired</span> : <When at={k.retiredAt} now={now} />}</td>
                <td data-label="State">
                  <State k={k} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="actions">
        <ButtonLink href={`${PATH}/rotate`} variant="danger" ariaLabel="Rotate the signing key">
          Rotate…
        </ButtonLink>
      </div>
    </>,
  );
}

/**
 * GET /console/admin/signing-keys/rotate: what rotating does, and the button that does it.
 * @example page("/console/admin/signing-keys/rotate", "confirm rotating", confirmRotate)
 */
export async function confirmRotate(c: OperatorContext, deps: AppDeps): Promise<Response> {
  const current = (await listSigningKeys(deps)).find((k) => k.current);
  return consolePage(
    c,
    c.var.viewer,
    { title: "Rotate the signing key?", active: "signing-keys" },
    <ConfirmAction heading="Rotate the signing key?" action={`${PATH}/rotate`} csrf={c.var.viewer.csrf} button={{ label: "Rotate the signing key" }} cancel={{ href: PATH, label: "Keep the current key" }}>
      <ul class="bullets">
        <li>A new key signs every token from now on{current ? <>; <code>{current.kid}</code> retires</> : null}.</li>
        <li>Tokens already issued keep working: the retired key stays in the JWKS until they have expired.</li>
        <li>Resource servers that cache the JWKS pick the new key up when they next fetch it.</li>
      </ul>
    </ConfirmAction>,
  );
}

/** POST /console/admin/signing-keys/rotate: audited with this operator as actor. */
export async function rotate(c: OperatorContext, deps: AppDeps): Promise<Response> {
  await rotateSigningKey(deps, actorOf(c.var.viewer.asOperator));
  return doneRedirect(c, PATH, "rotated");
}
