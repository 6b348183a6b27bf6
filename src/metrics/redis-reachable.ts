// Whether a role's Redis answers now, for `/health`: a PING with a short timeout. A connection
// that is not ready is not asked at all, so that health checks do not pile up in its offline queue.
import type { Cluster, Redis } from "ioredis";

/** True when `redis` is connected and answers PING within `timeoutMs`. Never throws. */
export async function redisReachable(redis: Redis | Cluster, timeoutMs = 1000): Promise<boolean> {
  if (redis.status !== "ready") return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = await Promise.race([
      redis.ping(),
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs))),
    ]);
    return answer === "PONG";
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
