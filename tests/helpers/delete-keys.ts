// Test clean-up: every key matching a pattern (a test's own prefix) is deleted after its file.
import type { Redis } from "ioredis";

/** Deletes the keys matching `pattern` (SCAN MATCH syntax, e.g. `test-1234:*`). */
export async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    if (found.length > 0) await redis.del(...found);
    cursor = next;
  } while (cursor !== "0");
}
