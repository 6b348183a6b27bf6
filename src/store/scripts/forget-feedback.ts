// Script: delete feedback records and take them out of the index and the per-kind counts.
import type { RedisScript } from "./run-script.js";

/** See the header of the Lua text. */
export const forgetFeedback: RedisScript = {
  name: "saigaForgetFeedback",
  numberOfKeys: 3,
  lua: `--[[
  Deletes the given feedback records (a user's /forget): each one leaves the records hash and the
  time index, and its kind's count goes down by one, so /stats and training stay consistent.

  KEYS[1] records hash (field → JSON)   KEYS[2] index zset (field → time)   KEYS[3] counts hash
  ARGV    the fields to delete

  Returns the number of records deleted (fields already gone are skipped).
]]
local deleted = 0
for _, field in ipairs(ARGV) do
  local raw = redis.call("HGET", KEYS[1], field)
  if raw then
    local ok, record = pcall(cjson.decode, raw)
    if ok and type(record) == "table" and type(record.kind) == "string" then
      redis.call("HINCRBY", KEYS[3], record.kind, -1)
    end
    redis.call("HDEL", KEYS[1], field)
    deleted = deleted + 1
  end
  redis.call("ZREM", KEYS[2], field)
end
return deleted
`,
};
