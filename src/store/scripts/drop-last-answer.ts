// Script: take the last answer back out of the history ("regenerate").
import { CHAT_LUA_HELPERS } from "./chat-lua.js";
import type { RedisScript } from "./run-script.js";

/** See the header of the Lua text. */
export const dropLastAnswer: RedisScript = {
  name: "saigaDropLastAnswer",
  numberOfKeys: 3,
  lua: `--[[
  Removes the trailing assistant turn(s) of a chat's history, if the last turn is one, and
  decrements turns.appended once per removed turn (the next turn takes the freed index).

  KEYS[1] history list   KEYS[2] turns hash   KEYS[3] settings (only its TTL)
  ARGV[1] idle TTL in ms

  Returns the newest removed turn's JSON, or nil when the last turn is not an assistant turn
  (a user turn, a corrupt record) or the history is empty.
]]
${CHAT_LUA_HELPERS}
local appended = appendedCount(redis.call("LLEN", KEYS[1]))
local removed = nil
while true do
  local raw = redis.call("LINDEX", KEYS[1], -1)
  if not raw or not isAssistantTurn(raw, nil) then break end
  redis.call("RPOP", KEYS[1])
  appended = appended - 1
  if removed == nil then removed = raw end
end
if removed == nil then return nil end
redis.call("HSET", KEYS[2], "appended", appended)
touchChat(ARGV[1])
return removed
`,
};
