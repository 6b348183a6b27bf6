// Script: store (or change) one feedback record and keep the per-kind counts right.
import type { RedisScript } from "./run-script.js";

/** See the header of the Lua text. */
export const recordFeedback: RedisScript = {
  name: "saigaRecordFeedback",
  numberOfKeys: 3,
  lua: `--[[
  Stores a feedback record under its field, replacing an earlier one (a changed vote), and keeps
  the counts per kind: the old kind -1, the new kind +1.

  KEYS[1] records hash (field → JSON)   KEYS[2] index zset (field → time)   KEYS[3] counts hash
  ARGV[1] field   ARGV[2] record JSON   ARGV[3] kind (up, down, regenerated)   ARGV[4] time (ms)

  Returns the previous kind, or false when the field is new.
]]
local previous = redis.call("HGET", KEYS[1], ARGV[1])
local previousKind = false
if previous then
  local ok, record = pcall(cjson.decode, previous)
  if ok and type(record) == "table" and type(record.kind) == "string" then previousKind = record.kind end
end
redis.call("HSET", KEYS[1], ARGV[1], ARGV[2])
redis.call("ZADD", KEYS[2], ARGV[4], ARGV[1])
if previousKind ~= ARGV[3] then
  if previousKind then redis.call("HINCRBY", KEYS[3], previousKind, -1) end
  redis.call("HINCRBY", KEYS[3], ARGV[3], 1)
end
return previousKind
`,
};
