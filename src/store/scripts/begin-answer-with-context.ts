// Script: begin answer number N of a chat and read what its prompt is built from, in one round trip.
import { beginAnswer } from "./begin-answer.js";
import type { RedisScript } from "./run-script.js";

/** See the header of the Lua text. */
export const beginAnswerWithContext: RedisScript = {
  name: "saigaBeginAnswerWithContext",
  numberOfKeys: 3,
  lua: `--[[
  beginAnswer (begin-answer.ts, run unchanged as a function), then, in the same atomic step, the
  chat's history and settings: the engine worker needs all three before its first token.

  KEYS and ARGV: those of beginAnswer.

  Returns nil when beginAnswer does (stale or not yet due), else
  {boundary, answered, appended, settings or nil, {history list}}.
]]
local function begin()
${beginAnswer.lua}
end
local begun = begin()
if not begun then return nil end
local raws = redis.call("LRANGE", KEYS[1], 0, -1)
local appended = redis.call("HGET", KEYS[2], "appended") or "0"
return {begun[1], begun[2], tonumber(appended) or 0, redis.call("GET", KEYS[3]), raws}
`,
};
