/**
 * Lua: one atomic refresh-token rotation (see `RotateOutcome` in ../store.ts).
 *
 * KEYS[1] presented token hash, KEYS[2] successor hash.
 * ARGV: 1 key prefix, 2 clientId, 3 now (epoch ms), 4 grace seconds, 5 successor idle TTL seconds.
 * A spent token is a hash: `rec` = record JSON (returned verbatim), `spent` = epoch ms of its use; the first
 * token of a family is a plain string holding the record JSON (written by `putRefresh`). The successor is
 * the presented record with `iat` = now, as a plain string.
 * Mark keys are derived from the record, so they cannot be declared in KEYS (fine on a single-shard Upstash db).
 * Returns {outcome, recordJson[, successorJson | spentAt]}.
 */
export const ROTATE_LUA = `
local kind = redis.call('TYPE', KEYS[1]).ok
local raw, spentRaw
if kind == 'hash' then
  local fields = redis.call('HMGET', KEYS[1], 'rec', 'spent')
  raw, spentRaw = fields[1], fields[2]
elseif kind == 'string' then
  raw = redis.call('GET', KEYS[1])
end
if not raw then return {'unknown'} end
local rec = cjson.decode(raw)
local nowArg = ARGV[3]
local now = tonumber(nowArg)
if rec.exp * 1000 <= now then return {'unknown'} end
local prefix = ARGV[1]
local familyKey = prefix .. 'rev:family:' .. rec.family
local newest = nil
for _, key in ipairs({familyKey, prefix .. 'rev:session:' .. rec.sid, prefix .. 'rev:account:' .. rec.sub}) do
  local v = tonumber(redis.call('GET', key))
  if v ~= nil and (newest == nil or v > newest) then newest = v end
end
if newest ~= nil and newest >= rec.iat * 1000 then return {'revoked', raw} end
local keepFor = math.max(1, rec.exp - math.floor(now / 1000))
if spentRaw then
  local grace = tonumber(ARGV[4])
  if grace > 0 and now - tonumber(spentRaw) <= grace * 1000 and ARGV[2] == rec.clientId then
    return {'retry', raw, spentRaw}
  end
  local cur = tonumber(redis.call('GET', familyKey))
  if cur == nil or now > cur then
    redis.call('SET', familyKey, nowArg, 'EX', keepFor)
  elseif redis.call('TTL', familyKey) < keepFor then
    redis.call('EXPIRE', familyKey, keepFor)
  end
  return {'reuse', raw}
end
if ARGV[2] ~= rec.clientId then return {'wrong_client', raw} end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'rec', raw, 'spent', nowArg)
redis.call('EXPIRE', KEYS[1], keepFor)
rec.iat = math.floor(now / 1000)
local successor = cjson.encode(rec)
redis.call('SET', KEYS[2], successor, 'EX', math.max(1, math.min(tonumber(ARGV[5]), keepFor)))
return {'rotated', raw, successor}
`;

/** SHA-1 of {@link ROTATE_LUA} (checked by test/store/scripts.test.ts). */
export const ROTATE_SHA1 = "6db9264cdee152872906a392e4a4edba22f775e9";
