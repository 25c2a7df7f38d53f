/**
 * Lua: the newest revocation mark among KEYS, as a decimal string, or nil when none exists.
 * (A string, not a Lua number, so epoch milliseconds never pass through Lua's number formatting.)
 */
export const NEWEST_MARK_LUA = `
local best = nil
local bestNum = nil
for _, key in ipairs(KEYS) do
  local v = redis.call('GET', key)
  local n = tonumber(v)
  if n ~= nil and (bestNum == nil or n > bestNum) then
    best = v
    bestNum = n
  end
end
return best
`;

/** SHA-1 of {@link NEWEST_MARK_LUA} (checked by test/store/scripts.test.ts). */
export const NEWEST_MARK_SHA1 = "d810d215ccc6d99f80501b7f4e023b3dcb724996";
