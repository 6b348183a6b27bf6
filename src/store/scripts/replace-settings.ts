// Script: compare-and-set of a chat's settings record.
import { CHAT_LUA_HELPERS } from "./chat-lua.js";
import type { RedisScript } from "./run-script.js";

/** See the header of the Lua text. */
export const replaceSettings: RedisScript = {
  name: "saigaReplaceSettings",
  numberOfKeys: 3,
  lua: `--[[
  Replaces a chat's settings record if it still holds what the caller read (the merge and its
  validation happen in TypeScript; this makes read-merge-write safe against concurrent updates).

  KEYS[1] history list (only its TTL)   KEYS[2] turns hash (only its TTL)   KEYS[3] settings
  ARGV[1] "1" when the caller read a record, "0" when there was none
  ARGV[2] the record the caller read ("" when none)
  ARGV[3] the new record; "" deletes it (no settings left)
  ARGV[4] idle TTL in ms

  Returns 1 when replaced, 0 when the record changed meanwhile (read again and retry).
]]
${CHAT_LUA_HELPERS}
local current = redis.call("GET", KEYS[3])
if ARGV[1] == "1" then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
if ARGV[3] == "" then
  redis.call("DEL", KEYS[3])
else
  redis.call("SET", KEYS[3], ARGV[3])
end
touchChat(ARGV[4])
return 1
`,
};
