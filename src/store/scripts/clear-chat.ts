// Script: forget a chat's conversation and settings, but not its answer numbering.
import { CHAT_LUA_HELPERS } from "./chat-lua.js";
import type { RedisScript } from "./run-script.js";

/** See the header of the Lua text. */
export const clearChat: RedisScript = {
  name: "saigaClearChat",
  numberOfKeys: 3,
  lua: `--[[
  Deletes a chat's history and settings. The turns hash stays: turns.next keeps counting (answer
  numbers, and the job ids built from them, are never reused) and turns.appended too (absolute
  indices stay unique). Records turns.cleared = turns.appended, so that an answer begun before
  the clear is not stored afterwards (see appendAssistantTurn).

  KEYS[1] history list   KEYS[2] turns hash   KEYS[3] settings
  ARGV[1] idle TTL in ms

  Returns the number of turns deleted.
]]
${CHAT_LUA_HELPERS}
local len = redis.call("LLEN", KEYS[1])
if len > 0 or redis.call("EXISTS", KEYS[2]) == 1 then
  redis.call("HSET", KEYS[2], "appended", appendedCount(len), "cleared", appendedCount(len))
end
redis.call("DEL", KEYS[1], KEYS[3])
touchChat(ARGV[1])
return len
`,
};
