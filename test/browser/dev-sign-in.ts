/**
 * Signing a person in the way the browser tests do it: through the dev login's picker (the server runs
 * with AUTHBRIDGE_DEV_LOGIN=1), as a platform identity carrying the facts the rules read.
 */
import type { Page } from "playwright-core";
import { expect } from "vitest";

/** Who signs in: the platform's user id, a username (the id when not given), and GitHub orgs for the rules. */
export interface DevPerson {
  subject: string;
  username?: string;
  /** Comma-separated GitHub orgs. */
  orgs?: string;
  /** The platform the identity claims to come from; the picker's default (GitHub) when not given. */
  platform?: "github" | "discord" | "slack";
}

/**
 * Sign in on `page` through the dev picker and wait until the browser is at `returnTo` (or below it: `/console`
 * lands on `/console/apps`). The page's context then holds the session.
 * @example await signInWithDevLogin(page, issuer, { subject: "42", username: "grace" });
 */
export async function signInWithDevLogin(page: Page, issuer: string, person: DevPerson, returnTo = "/account"): Promise<void> {
  await page.goto(`${issuer}/auth/dev/start?intent=login&return_to=${encodeURIComponent(returnTo)}`);
  expect(await page.locator("h1").textContent()).toBe("Dev login");
  if (person.platform) await page.selectOption('select[name="impersonate"]', person.platform);
  await page.fill('input[name="subject"]', person.subject);
  await page.fill('input[name="username"]', person.username ?? person.subject);
  if (person.orgs !== undefined) await page.fill('input[name="orgs"]', person.orgs);
  await Promise.all([page.waitForURL((u) => u.origin === issuer && u.pathname.startsWith(returnTo)), page.getByRole("button", { name: "Sign in" }).click()]);
}
