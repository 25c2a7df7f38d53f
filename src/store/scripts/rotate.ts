import { ENTITLEMENTS_FIELD, MARK_ID_SEPARATOR, REFRESH_MARKS, entitlementsKey, markKeyPrefix, type MarkKind, type RefreshRecord } from "../store";

/** Lua expression for the prefixed key of the mark of `kind` whose id is the record's `fields`, joined. */
function luaMarkKey(kind: MarkKind, fields: readonly (keyof RefreshRecord)[]): string {
  return `prefix .. '${markKeyPrefix(kind)}' .. ${fields.map((f) => `rec.${f}`).join(` .. '${MARK_ID_SEPARATOR}' .. `)}`;
}

/**
 * Lua: one atomic refresh-token rotation (see `RotateOutcome` in ../store.ts).
 *
 * KEYS[1] presented token hash, KEYS[2] successor hash.
 * ARGV: 1 key prefix, 2 clientId, 3 now (epoch ms), 4 grace seconds, 5 successor idle TTL seconds,
 * 6 the least TTL of a family mark written on reuse (0: the family's remaining life).
 * A token is a string: the record JSON while live (written by `putRefresh`, or here for a successor: the
 * presented record with `iat` = now), `S<epoch ms of use>:<record JSON>` once spent — one compact string
 * rather than a hash, which Redis would store in its large encoding for values this long — and
 * `R<epoch ms of use>:<record JSON>` once a retry inside the grace window was answered with the successor
 * (from then on the rotation can never be undone: see restore.ts).
 * Marks are compared with the grant's authorization time (`authAt`, epoch ms; `iat` for older records),
 * which rotation never moves. Mark keys are derived from the record, so they cannot be declared in KEYS
 * (fine on a single-shard Upstash db); they are spelled from `REFRESH_MARKS` in ../store.ts, the same
 * definition the embedded store's SQL and `markKey` use.
 * For a rotation or a retry it also returns the subject's published entitlements (`entitlementsKey`), or
 * '' when there are none, so the caller needs no database read for them.
 * Returns {outcome, recordJson[, successorJson | spentAt, entitlements]}.
 */
export const ROTATE_LUA = `
local stored = redis.call('GET', KEYS[1])
if not stored then return {'unknown'} end
local raw, spentRaw, tag = stored, nil, string.sub(stored, 1, 1)
if tag == 'S' or tag == 'R' then
  local sep = string.find(stored, ':', 2, true)
  spentRaw = string.sub(stored, 2, sep - 1)
  raw = string.sub(stored, sep + 1)
end
if not raw then return {'unknown'} end
local rec = cjson.decode(raw)
local nowArg = ARGV[3]
local now = tonumber(nowArg)
if rec.exp * 1000 <= now then return {'unknown'} end
local prefix = ARGV[1]
local familyKey = ${luaMarkKey("family", ["family"])}
local newest = nil
for _, key in ipairs({${REFRESH_MARKS.map((m) => luaMarkKey(m.kind, m.fields)).join(", ")}}) do
  local v = tonumber(redis.call('GET', key))
  if v ~= nil and (newest == nil or v > newest) then newest = v end
end
local authAt = rec.authAt or rec.iat * 1000
if newest ~= nil and newest >= authAt then return {'revoked', raw} end
local keepFor = math.max(1, rec.exp - math.floor(now / 1000))
local entKey = prefix .. '${entitlementsKey("")}' .. rec.${ENTITLEMENTS_FIELD}
if spentRaw then
  local grace = tonumber(ARGV[4])
  if grace > 0 and now - tonumber(spentRaw) <= grace * 1000 and ARGV[2] == rec.clientId then
    if tag == 'S' then redis.call('SET', KEYS[1], 'R' .. string.sub(stored, 2), 'EX', keepFor) end
    return {'retry', raw, spentRaw, redis.call('GET', entKey) or ''}
  end
  local markFor = math.max(keepFor, tonumber(ARGV[6]) or 0)
  local cur = tonumber(redis.call('GET', familyKey))
  if cur == nil or now > cur then
    redis.call('SET', familyKey, nowArg, 'EX', markFor)
  elseif redis.call('TTL', familyKey) < markFor then
    redis.call('EXPIRE', familyKey, markFor)
  end
  return {'reuse', raw}
end
if ARGV[2] ~= rec.clientId then return {'wrong_client', raw} end
redis.call('SET', KEYS[1], 'S' .. nowArg .. ':' .. raw, 'EX', keepFor)
rec.iat = math.floor(now / 1000)
local successor = cjson.encode(rec)
redis.call('SET', KEYS[2], successor, 'EX', math.max(1, math.min(tonumber(ARGV[5]), keepFor)))
return {'rotated', raw, successor, redis.call('GET', entKey) or ''}
`;

/** SHA-1 of {@link ROTATE_LUA} (checked by test/store/scripts.test.ts). */
export const ROTATE_SHA1 = "c7b2552daaa6d8f589ce70c4bc0c1616c553183f";
