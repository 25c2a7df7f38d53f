/**
 * Platform names on the operator's pages, as people call them ("GitHub", "Discord (dev)"), from the same
 * naming as the account page.
 */
import { identityLabel } from "../../ui/account-page";

/**
 * A platform's name when only the provider is known (account lists carry no subject, so a dev-login
 * identity reads "Dev login" there, and "GitHub (dev)" on the account's page).
 * @example platformName("github") // "GitHub"
 */
export function platformName(provider: string): string {
  return provider === "dev" ? "Dev login" : identityLabel(provider, "");
}

/**
 * The platform whose mark to show for an identity: the one a dev-login identity stands for (its subject is
 * `platform:id`), else its provider.
 * @example markOf("dev", "github:7") // "github"
 */
export function markOf(provider: string, subject: string): string {
  if (provider !== "dev") return provider;
  const i = subject.indexOf(":");
  return i > 0 ? subject.slice(0, i) : "dev";
}

export { identityLabel };
