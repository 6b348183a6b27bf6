// Script: start (or resume) generating answer number N of a chat.
import { CHAT_LUA_HELPERS } from "./chat-lua.js";
import type { RedisScript } from "./run-script.js";

/** See the header of the Lua text. */
export const beginAnswer: RedisScript = {
  name: "saigaBeginAnswer",
  numberOfKeys: 3,
  lua: `--[[
  Begins answer number ARGV[1], idempotently. The first call for the current answer (turns.next)
  records boundary:<n> = turns.appended (the turns the answer covers are those with index below
  it), increments turns.next and forgets boundary:<n-1> (that answer is over). Later calls for the
  same answer (a retried job) return the recorded boundary.

  KEYS[1] history list   KEYS[2] turns hash   KEYS[3] settings (only their TTLs)
  ARGV[1] answer number (a canonical non-negative integer)
  ARGV[2] idle TTL in ms

  Returns {boundary, answered}: answered = 1 when an assistant turn for this answer was already
  stored (turns.answered >= n), else 0. nil when the answer is neither begun nor the next one
  (stale: a later answer began; or not yet due).
]]
${CHAT_LUA_HELPERS}
local answer = tonumber(ARGV[1])
local field = "boundary:" .. ARGV[1]
local boundary = redis.call("HGET", KEYS[2], field)
if not boundary then
  local nextAnswer = tonumber(redis.call("HGET", KEYS[2], "next") or "0") or 0
  if nextAnswer ~= answer then return nil end
  boundary = appendedCount(redis.call("LLEN", KEYS[1]))
  redis.call("HSET", KEYS[2], field, boundary)
  redis.call("HSET", KEYS[2], "next", answer + 1)
  if answer > 0 then redis.call("HDEL", KEYS[2], "boundary:" .. tostring(answer - 1)) end
end
touchChat(ARGV[2])
local answered = tonumber(redis.call("HGET", KEYS[2], "answered") or "-1") or -1
if answered >= answer then answered = 1 else answered = 0 end
return {tonumber(boundary), answered}
`,
};
