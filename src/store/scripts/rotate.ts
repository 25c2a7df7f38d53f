/**
 * Lua: one atomic refresh-token rotation (see `RotateOutcome` in ../store.ts).
 *
 * KEYS[1] presented token hash, KEYS[2] successor hash.
 * ARGV: 1 key prefix, 2 clientId, 3 now (epoch ms), 4 grace seconds, 5 retry payload,
 *       6 successor record JSON, 7 successor TTL seconds.
 * A token is a hash: `rec` = record JSON (returned verbatim, never re-encoded), `spent` = JSON {at, payload};
 * the first token of a family may also be a plain string holding the record JSON (written by `put`), which
 * becomes a hash when it is spent.
 * Mark keys are derived from the record, so they cannot be declared in KEYS (fine on a single-shard Upstash db).
 * Returns {outcome, recordJson[, payload]}.
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
  local spent = cjson.decode(spentRaw)
  if now - spent.at <= tonumber(ARGV[4]) * 1000 and ARGV[2] == rec.clientId then
    return {'retry', raw, spent.payload}
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
redis.call('HSET', KEYS[1], 'rec', raw, 'spent', '{"at":' .. nowArg .. ',"payload":' .. cjson.encode(ARGV[5]) .. '}')
redis.call('EXPIRE', KEYS[1], keepFor)
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'rec', ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[7])
return {'rotated', raw}
`;

/** SHA-1 of {@link ROTATE_LUA} (checked by test/store/scripts.test.ts). */
export const ROTATE_SHA1 = "391a948a714e5b80246db78a458dc6988f0b6c4e";
