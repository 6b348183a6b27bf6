// `GET /health` on the API's port: 200 while at least one engine is serving (a request would be
// answered), 503 before that or when Redis does not answer; the engines are the details.
import type { RedisConnection } from "../store/redis-connection.js";
import type { HealthReport } from "../metrics/health-report.js";
import { redisReachable } from "../metrics/redis-reachable.js";
import type { ModelCatalog } from "./model-catalog.js";

/** The API's health report. */
export async function apiHealth(redis: RedisConnection, catalog: ModelCatalog): Promise<HealthReport> {
  const reachable = await redisReachable(redis);
  const engines = reachable ? await catalog.engines().catch(() => []) : [];
  return {
    status: engines.length > 0 ? "ok" : "unavailable",
    roles: {
      api: {
        status: engines.length > 0 ? "ready" : "starting",
        engines: engines.map(({ id, host, model, adapter, sequences, contextSize }) => ({
          id,
          host,
          model,
          adapter,
          sequences,
          contextSize,
        })),
      },
    },
    redis: { reachable },
  };
}
