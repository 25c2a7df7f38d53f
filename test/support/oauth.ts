/** Small helpers for driving the OAuth endpoints in tests. */
import type { Hono } from "hono";

/** POST a form to `path`, optionally with HTTP Basic client credentials. */
export function postForm(
  app: Hono,
  path: string,
  form: Record<string, string | string[]>,
  basic?: { id: string; secret: string },
): Response | Promise<Response> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (basic) headers.authorization = `Basic ${btoa(`${encodeURIComponent(basic.id)}:${encodeURIComponent(basic.secret)}`)}`;
  return app.request(path, { method: "POST", headers, body: body.toString() });
}

/** Decode a JWT's payload without verifying it (assertions on claims only). */
export function claimsOf(jwt: string): Record<string, unknown> {
  const part = jwt.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
}
