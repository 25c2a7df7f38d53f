/**
 * Lua: undo one rotation, as a compare-and-set (see `RefreshStore.restoreRefresh`).
 *
 * KEYS[1] presented token hash, KEYS[2] successor hash. ARGV[1] the rotation's time of use (epoch ms).
 * Restores only while KEYS[1] is still `S<that time>:<record>` (spent by that rotation and never answered
 * to a retry: a retry turns the `S` into `R`) and KEYS[2] is a live record (starts with `{`: not yet
 * rotated itself). The presented token then gets its record back with the successor's remaining lifetime,
 * and the successor is deleted. Returns 1 when restored, 0 when nothing changed.
 */
export const RESTORE_LUA = `
local stored = redis.call('GET', KEYS[1])
local spent = 'S' .. ARGV[1] .. ':'
if not stored or string.sub(stored, 1, #spent) ~= spent then return 0 end
local successor = redis.call('GET', KEYS[2])
if not successor or string.sub(successor, 1, 1) ~= '{' then return 0 end
local ttl = redis.call('PTTL', KEYS[2])
if ttl <= 0 then return 0 end
redis.call('SET', KEYS[1], string.sub(stored, #spent + 1), 'PX', ttl)
redis.call('DEL', KEYS[2])
return 1
`;

/** SHA-1 of {@link RESTORE_LUA} (checked by test/store/scripts.test.ts). */
export const RESTORE_SHA1 = "cecb5b444695cc3d57c5bfa94353b39231121d6c";
