/** Client registration input: every bad redirect URI is an input problem, never a crash. */
import { describe, expect, it } from "vitest";
import { CreateClientInput } from "../src/clients/registry";

describe("redirect URIs in client input", () => {
  it.each(["not a uri", "", "/relative/cb", "https://app.example.com/cb#frag", "http://evil.example.com/cb", "javascript:alert(1)"])("%j is refused as input", (uri) => {
    const parsed = CreateClientInput.safeParse({ name: "x", redirectUris: [uri] });
    expect(parsed.success).toBe(false);
  });

  it.each(["https://app.example.com/cb", "http://127.0.0.1:9999/callback", "com.example.app:/cb"])("%j is accepted", (uri) => {
    expect(CreateClientInput.safeParse({ name: "x", redirectUris: [uri] }).success).toBe(true);
  });
});
