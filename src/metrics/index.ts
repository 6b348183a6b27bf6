// Health and Prometheus metrics for every role: the process's metrics, and the ops routes
// (`/health`, `/metrics`) on their own server or on any Fastify app.
export {
  SaigaMetrics,
  saigaMetrics,
  errorCodeOf,
  QUEUE_STATES,
  type SaigaMetricsOptions,
  type QueueCounts,
  type QueueState,
  type ErrorSite,
} from "./saiga-metrics.js";
export type { HealthReport, RoleHealth, RoleStatus } from "./health-report.js";
export { ProcessHealth } from "./process-health.js";
export { redisReachable } from "./redis-reachable.js";
export { registerOpsRoutes, type OpsRoutesOptions } from "./register-ops-routes.js";
export { startOpsServer, type OpsServer, type OpsServerOptions } from "./ops-server.js";
export { HttpListenError, listenHttp, type ListenSettings } from "./listen-http.js";
