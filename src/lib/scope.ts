/**
 * The scope grammar of RFC 6749 §3.3, written once: a scope token is one or more printable ASCII
 * characters other than space, `"` and `\`; a scope is tokens separated by single spaces. Used by the
 * OAuth form, the client registry, the rules document and `requireAuth`'s options.
 */

/**
 * One scope token.
 * @example SCOPE_TOKEN.test("repos:read") // true
 */
export const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * A whole `scope` parameter: tokens separated by single spaces.
 * @example SCOPE_STRING.test("openid profile") // true
 */
export const SCOPE_STRING = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;

/** What to tell someone whose scope token does not match {@link SCOPE_TOKEN}. */
export const SCOPE_TOKEN_RULE = "scope tokens are printable ASCII without quotes, backslashes or spaces";
