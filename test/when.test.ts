/** Times on pages in the reader's words. */
import { describe, expect, it } from "vitest";
import { timeInWords } from "../src/ui/when";

const now = Date.UTC(2026, 10, 30, 12);
const day = 24 * 3600_000;

describe("timeInWords", () => {
  it.each([
    [now, "just now"],
    [now + 10_000, "in under a minute"],
    [now - 120_000, "2 minutes ago"],
    [now - 3 * 3600_000, "3 hours ago"],
    [now - day, "yesterday"],
    [now + day, "tomorrow"],
    [now + 30 * day - 5, "next month"],
    [now + 365 * day - 5, "next year"],
    [now - 3 * 7 * day, "3 weeks ago"],
    [now - 2 * 365 * day, "2 years ago"],
  ])("%s", (at, words) => {
    expect(timeInWords(at, now)).toBe(words);
  });
});
