// Runs the store's Lua scripts through ioredis `defineCommand` (EVALSHA, with EVAL when Redis does
// not know the script yet). Each script changes several keys of one chat atomically.
import type { RedisConnection } from "../redis-connection.js";

/** A Lua script with the number of KEYS it takes; its header comment lists KEYS, ARGV and the return value. */
export interface RedisScript {
  /** Command name on the connection; prefixed with `saiga` so that it never shadows a Redis command. */
  readonly name: string;
  readonly numberOfKeys: number;
  readonly lua: string;
}

type ScriptCommand = (...keysAndArgs: (string | number)[]) => Promise<unknown>;

/** Runs `script` on `redis`, defining it on that connection first if needed. */
export function runScript(
  redis: RedisConnection,
  script: RedisScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  if (keys.length !== script.numberOfKeys) {
    throw new RangeError(`${script.name} takes ${script.numberOfKeys} keys, got ${keys.length}`);
  }
  const commands = redis as unknown as Record<string, ScriptCommand | undefined>;
  let command = commands[script.name];
  if (typeof command !== "function") {
    redis.defineCommand(script.name, { numberOfKeys: script.numberOfKeys, lua: script.lua });
    command = commands[script.name] as ScriptCommand;
  }
  return command.call(redis, ...keys, ...args);
}
