// Test clean-up: every key matching a pattern (a test's own prefix) is deleted after its file.
import type { Redis } from "ioredis";
import type { RedisConnection } from "../../src/store/redis-connection.js";

/**
 * Deletes the keys matching `pattern` (SCAN MATCH syntax, e.g. `test-1234:*`). On a Cluster it
 * scans every master (SCAN sees one node's keys) and deletes key by key (keys of several slots).
 */
export async function deleteKeys(redis: RedisConnection, pattern: string): Promise<void> {
  const nodes: Redis[] = redis.isCluster && "nodes" in redis ? redis.nodes("master") : [redis as Redis];
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, found] = await node.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      if (found.length > 0) await Promise.all(found.map((key) => node.unlink(key)));
      cursor = next;
    } while (cursor !== "0");
  }
}
