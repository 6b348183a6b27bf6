// Script: store a generated answer once, in its place in the conversation.
import { CHAT_LUA_HELPERS } from "./chat-lua.js";
import type { RedisScript } from "./run-script.js";

/** How many trailing turns are searched for an earlier copy of the same answer. */
export const ASSISTANT_DEDUPE_WINDOW = 16;

/** See the header of the Lua text. */
export const appendAssistantTurn: RedisScript = {
  name: "saigaAppendAssistantTurn",
  numberOfKeys: 3,
  lua: `--[[
  Stores an assistant turn, at most once per requestId, keeping the newest maxMessages.

  Where: when ARGV[5] names the answer and that answer is the latest one begun (turns.next == n+1,
  boundary:<n> recorded), the turn goes right at the boundary, after the user turns it answers and
  before the ones that arrived while it was generated (they belong to answer n+1 and move up one
  index; no boundary covers them yet). Otherwise it is appended at the end.
  Duplicates: nothing is written when an assistant turn with the same requestId sits at or after
  that position or among the last ${ASSISTANT_DEDUPE_WINDOW} turns (a retried job).
  Cleared: nothing is written when the chat was cleared after answer n began (turns.cleared >=
  boundary:<n>): the conversation it answers is gone.

  KEYS[1] history list   KEYS[2] turns hash   KEYS[3] settings (only its TTL)
  ARGV[1] the turn as JSON
  ARGV[2] its requestId
  ARGV[3] maxMessages
  ARGV[4] idle TTL in ms
  ARGV[5] answer number, or "" (append at the end)

  Returns 1 when stored, 0 for a duplicate, -1 when the chat was cleared since the answer began.
  Sets turns.answered = max(turns.answered, n) in all three cases: answer n needs no more work.
]]
${CHAT_LUA_HELPERS}
local len = redis.call("LLEN", KEYS[1])
local appended = appendedCount(len)
local base = appended - len -- absolute index of the list's first entry
local position = len
local answer = nil
local function markAnswered()
  if answer == nil then return end
  local answered = tonumber(redis.call("HGET", KEYS[2], "answered") or "-1") or -1
  if answer > answered then redis.call("HSET", KEYS[2], "answered", answer) end
end

if ARGV[5] ~= "" then
  answer = tonumber(ARGV[5])
  local boundary = redis.call("HGET", KEYS[2], "boundary:" .. ARGV[5])
  if boundary then
    boundary = tonumber(boundary)
    local cleared = redis.call("HGET", KEYS[2], "cleared")
    if cleared and tonumber(cleared) >= boundary then
      markAnswered()
      return -1
    end
    local nextAnswer = tonumber(redis.call("HGET", KEYS[2], "next") or "0") or 0
    if nextAnswer == answer + 1 then
      position = math.max(0, math.min(boundary - base, len))
    end
  end
end

local from = math.max(0, math.min(position, len - ${ASSISTANT_DEDUPE_WINDOW}))
if from < len then
  for _, raw in ipairs(redis.call("LRANGE", KEYS[1], from, -1)) do
    if isAssistantTurn(raw, ARGV[2]) then
      markAnswered()
      return 0
    end
  end
end

if position >= len then
  redis.call("RPUSH", KEYS[1], ARGV[1])
else
  -- Redis lists cannot insert at an index: cut the tail off, push the turn, push the tail back.
  local tail = redis.call("LRANGE", KEYS[1], position, -1)
  if position == 0 then
    redis.call("DEL", KEYS[1])
  else
    redis.call("LTRIM", KEYS[1], 0, position - 1)
  end
  redis.call("RPUSH", KEYS[1], ARGV[1])
  for i = 1, #tail, 1000 do
    redis.call("RPUSH", KEYS[1], unpack(tail, i, math.min(i + 999, #tail)))
  end
end
redis.call("HSET", KEYS[2], "appended", appended + 1)
redis.call("LTRIM", KEYS[1], -tonumber(ARGV[3]), -1)
markAnswered()
touchChat(ARGV[4])
return 1
`,
};
