// Script: append a user turn and learn which answer it will be part of.
import { CHAT_LUA_HELPERS } from "./chat-lua.js";
import type { RedisScript } from "./run-script.js";

/** See the header of the Lua text. */
export const appendUserTurn: RedisScript = {
  name: "saigaAppendUserTurn",
  numberOfKeys: 4,
  lua: `--[[
  Appends a user turn to a chat's history, keeping the newest maxMessages.

  KEYS[1] history list   KEYS[2] turns hash   KEYS[3] settings (only its TTL)
  KEYS[4] receipt: remembers that this message was appended (when ARGV[4] > 0)
  ARGV[1] the turn as JSON
  ARGV[2] maxMessages
  ARGV[3] idle TTL in ms
  ARGV[4] receipt TTL in seconds; 0 = no receipt (the append is not idempotent)

  Returns {answer, index, duplicate}: answer = turns.next (the answer this turn will be part of;
  0 when unset), index = the turn's absolute index (turns.appended - 1 after the increment),
  duplicate = 1 when the receipt existed: nothing was appended and answer/index are the first
  append's.
]]
${CHAT_LUA_HELPERS}
local receiptTtl = tonumber(ARGV[4])
if receiptTtl > 0 then
  local prior = redis.call("GET", KEYS[4])
  if prior then
    local answer, index = string.match(prior, "^(%d+),(%d+)$")
    if answer then return {tonumber(answer), tonumber(index), 1} end
  end
end
local len = redis.call("RPUSH", KEYS[1], ARGV[1])
local appended = appendedCount(len - 1) + 1
redis.call("HSET", KEYS[2], "appended", appended)
redis.call("LTRIM", KEYS[1], -tonumber(ARGV[2]), -1)
local answer = tonumber(redis.call("HGET", KEYS[2], "next") or "0") or 0
touchChat(ARGV[3])
if receiptTtl > 0 then
  redis.call("SET", KEYS[4], answer .. "," .. (appended - 1), "EX", receiptTtl)
end
return {answer, appended - 1, 0}
`,
};
