// Lua shared by the chat scripts. Every chat script takes the same three KEYS, all under the
// chat's hash tag: KEYS[1] history list, KEYS[2] turns hash, KEYS[3] settings string.

/** `touchChat(ttlMs)`: refreshes the idle TTL of the chat's keys (PEXPIRE skips missing ones; the lease is not a KEY here). */
export const CHAT_LUA_HELPERS = `
local function touchChat(ttlMs)
  redis.call("PEXPIRE", KEYS[1], ttlMs)
  redis.call("PEXPIRE", KEYS[2], ttlMs)
  redis.call("PEXPIRE", KEYS[3], ttlMs)
end

-- Turns ever appended. Never below the list's length, so that indices stay non-negative even if
-- the turns hash was lost while the history survived.
local function appendedCount(len)
  local appended = tonumber(redis.call("HGET", KEYS[2], "appended") or "0") or 0
  if appended < len then appended = len end
  return appended
end

local function isAssistantTurn(raw, requestId)
  local ok, turn = pcall(cjson.decode, raw)
  if not ok or type(turn) ~= "table" or turn.role ~= "assistant" then return false end
  return requestId == nil or turn.requestId == requestId
end
`;
