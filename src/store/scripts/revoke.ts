/**
 * Lua: write revocation marks, never lowering one. KEYS = mark keys; ARGV = (atMs, ttlSeconds) pairs.
 * A newer mark replaces the value and TTL; an older or equal one only extends the TTL (the kept, newer
 * mark covers everything the older one would have).
 */
export const REVOKE_LUA = `
for i, key in ipairs(KEYS) do
  local at = ARGV[2 * i - 1]
  local ttl = tonumber(ARGV[2 * i])
  local cur = tonumber(redis.call('GET', key))
  if cur == nil or tonumber(at) > cur then
    redis.call('SET', key, at, 'EX', ttl)
  elseif redis.call('TTL', key) < ttl then
    redis.call('EXPIRE', key, ttl)
  end
end
return #KEYS
`;

/** SHA-1 of {@link REVOKE_LUA} (checked by test/store/scripts.test.ts). */
export const REVOKE_SHA1 = "0068cda35fea83fcfed819e9cc1d9176c35fa95c";
