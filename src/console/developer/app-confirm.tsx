/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The confirmation pages of an app's destructive actions: what resetting its secret, disabling it or
 * deleting it will do, each with the POST button and a way back to the app.
 */
import type { ManagedClient } from "../../admin/client-view";
import { ConfirmAction } from "../shared/confirm";
import { appPath } from "./app-views";

/** The actions that confirm first. */
export type AppConfirmable = "reset-secret" | "disable" | "delete";

/** The page title of each confirmation. */
export function confirmTitle(action: AppConfirmable, app: ManagedClient): string {
  return action === "reset-secret" ? `Reset the secret of ${app.name}?` : action === "disable" ? `Disable ${app.name}?` : `Delete ${app.name}?`;
}

/**
 * The confirmation of `action` on `app`; `apiKeys` is how many API keys it has (what disabling revokes and
 * deleting deletes).
 * @example <ConfirmAppAction action="delete" app={app} apiKeys={2} csrf={viewer.csrf} />
 */
export function ConfirmAppAction(props: { action: AppConfirmable; app: ManagedClient; apiKeys: number; csrf: string; once?: string | undefined }) {
  const { app, action } = props;
  const path = appPath(app.id);
  const back = { href: path, label: "Cancel" };
  const keys = props.apiKeys === 1 ? "Its API key is" : `Its ${props.apiKeys} API keys are`;
  if (action === "reset-secret") {
    return (
      <ConfirmAction
        heading={`Reset the secret of “${app.name}”?`}
        action={`${path}/reset-secret`}
        csrf={props.csrf}
        once={props.once}
        button={{ label: "Reset secret", ariaLabel: `Reset secret of app ${app.name}` }}
        cancel={back}
      >
        <ul class="bullets">
          <li>The current secret stops working at once: whatever uses it fails to get tokens until you give it the new one.</li>
          <li>The new secret is shown once, on the next page.</li>
          <li>Tokens the app already has stay valid until they expire. To stop them now, disable the app instead.</li>
        </ul>
      </ConfirmAction>
    );
  }
  if (action === "disable") {
    return (
      <ConfirmAction
        heading={`Disable “${app.name}”?`}
        action={`${path}/disable`}
        csrf={props.csrf}
        button={{ label: "Disable app", ariaLabel: `Disable app ${app.name}` }}
        cancel={back}
      >
        <ul class="bullets">
          <li>It gets no more tokens, and the access tokens it has stop working at once.</li>
          {props.apiKeys > 0 ? <li>{keys} revoked for good: enabling the app again does not bring them back.</li> : null}
          <li>You can enable it again later.</li>
        </ul>
      </ConfirmAction>
    );
  }
  return (
    <ConfirmAction
      heading={`Delete “${app.name}”?`}
      action={`${path}/delete`}
      csrf={props.csrf}
      button={{ label: "Delete app", ariaLabel: `Delete app ${app.name}` }}
      cancel={back}
    >
      <ul class="bullets">
        <li>
          This cannot be undone. The client id <code>{app.id}</code> stops working, and its tokens stop working at once.
        </li>
        {props.apiKeys > 0 ? <li>{keys} deleted with it.</li> : null}
        <li>The audit log keeps its history.</li>
      </ul>
    </ConfirmAction>
  );
}
