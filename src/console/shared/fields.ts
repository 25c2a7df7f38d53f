/**
 * Reading a console form's fields (as {@link consoleForm} hands them out: a string, or a list when the field
 * was sent more than once) into the plain values the zod schemas and services expect.
 */
import type { ConsoleFormFields } from "../guard";

/**
 * A single-valued field: its text, the last one when a forged form repeats it, "" when absent.
 * @example fieldText(form, "name") // "Billing"
 */
export function fieldText(form: ConsoleFormFields, name: string): string {
  const v = form[name];
  if (v === undefined) return "";
  return typeof v === "string" ? v : (v[v.length - 1] ?? "");
}

/**
 * A field that may be sent several times (checkboxes): every value, in order, without repeats.
 * @example fieldList(form, "scope") // ["profile", "repos:read"]
 */
export function fieldList(form: ConsoleFormFields, name: string): string[] {
  const v = form[name];
  if (v === undefined) return [];
  return [...new Set(typeof v === "string" ? [v] : v)];
}

/**
 * The non-empty lines of a textarea, trimmed (browsers send CRLF).
 * @example lines("https://a/cb\r\n\r\n https://b/cb ") // ["https://a/cb", "https://b/cb"]
 */
export function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
}
