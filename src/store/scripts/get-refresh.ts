/**
 * Lua: read a refresh token whether live (plain string) or spent (hash with `rec` and `spent`).
 * KEYS[1] token key. Returns {recordJson, spentAtOrFalse} or nil.
 */
export const GET_REFRESH_LUA = `
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'string' then return {redis.call('GET', KEYS[1]), false} end
if kind == 'hash' then
  local f = redis.call('HMGET', KEYS[1], 'rec', 'spent')
  return {f[1], f[2]}
end
return nil
`;

/** SHA-1 of {@link GET_REFRESH_LUA} (checked by test/store/scripts.test.ts). */
export const GET_REFRESH_SHA1 = "3f9616bccac1cfb828bd567fc32ffee8984be9e3";
