/** requireAuth with the default engine: on Node, signatures are checked by Node's built-in crypto. */
import { expect, it } from "vitest";
import { nodeSignaturesAvailable } from "../../src/verify/node-signature";

process.env.VERIFY_ENGINE = "auto";
await import("./suite");

it("runs on the Node engine here", () => {
  expect(nodeSignaturesAvailable).toBe(true);
});
