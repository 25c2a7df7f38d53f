/**
 * The consent screen of a pure sign-in (a third-party app asking only for `openid` and maybe `profile`,
 * `email`, `groups`): it says in words that the app wants to sign the person in and learn who they are on
 * this server, lists what it will see, and does not show the audience URI (which means nothing to a
 * person). A request for a real resource keeps its name and URI on the screen.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerDynamicClient } from "../../../src/clients/dynamic";
import { createHarness, ISSUER, MCP, type Harness } from "./harness";

let h: Harness;
let clientId: string;
beforeAll(async () => {
  h = await createHarness("embedded", undefined);
  clientId = (await registerDynamicClient(h.t.deps.db, { name: "Inspector", redirectUris: ["https://app.example.com/cb"], grants: ["authorization_code", "refresh_token"], scopes: [] }, h.t.deps.now())).id;
});
afterAll(() => h?.close());

/** The consent screen's HTML for `params`, signed in as `subject`. */
async function screen(subject: string, params: Record<string, string>): Promise<string> {
  const b = await h.signIn(subject);
  const outcome = await h.authorize(b, clientId, params);
  if (outcome.kind !== "consent") throw new Error(`expected the consent screen, got ${outcome.kind}`);
  return outcome.html;
}

/** The text a person reads in an element (tags dropped, spaces folded). */
function textOf(html: string, id: string): string {
  const m = new RegExp(`<(\\w+)[^>]*id="${id}"[^>]*>([\\s\\S]*?)</\\1>`).exec(html);
  return (m?.[2] ?? "").replace(/<[^>]+>/g, "").replace(/\s+/g, " ").trim();
}

describe("the consent screen of a sign-in", () => {
  it("says the app wants to sign the person in on this server, in words, without the audience URI", async () => {
    expect(h.t.deps.config.audience).toBe(ISSUER);
    const html = await screen("sign-in-words", { scope: "openid email profile", resource: "" });
    expect(textOf(html, "consent-title")).toBe("Sign in to Inspector?");
    expect(html).toContain("<title>Sign in to Inspector? · authbridge</title>");
    expect(textOf(html, "consent-resource")).toBe("Signing you in with your account on localhost:8787. The app learns who you are and gets no access to anything else.");
    // The audience is this server's URL: nowhere on the page, in a <code> or otherwise.
    expect(html).not.toContain(ISSUER);
    expect(html).not.toContain("Your identity");
    // What it will see, in the sign-in's own words, each with its scope.
    const scopes = textOf(html, "consent-scopes");
    expect(scopes).toContain("Know who you are (your account id here) (openid)");
    expect(scopes).toContain("See your verified email address (email)");
    expect(scopes).toContain("See your name, username and picture (profile)");
    // Identity scopes are the person's to give in a sign-in: never "you do not have this now".
    expect(scopes).not.toContain("you do not have this");
    // Still a consent: Allow and Deny, the same form.
    expect(html).toContain('name="decision" value="approve"');
    expect(html).toContain('name="decision" value="deny"');
  });

  it("keeps the resource's name and URI for a real resource, identity scopes or not", async () => {
    for (const scope of ["notes:read", "openid notes:read"]) {
      const html = await screen(`resource-${scope.length}`, { scope, resource: MCP });
      expect(textOf(html, "consent-title"), scope).toBe("Allow Inspector to use your account?");
      expect(textOf(html, "consent-resource"), scope).toBe(`Notes MCP${MCP}`); // the URI on a line of its own
      expect(html, scope).toContain(`<code>${MCP}</code>`);
      expect(html, scope).not.toContain("Signing you in");
    }
  });
});
