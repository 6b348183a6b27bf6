// The two operations routes on any Fastify instance: `GET /health` (200 when ready, else 503,
// with the report as JSON) and `GET /metrics` (the registry in Prometheus' text format). The ops
// server uses them on its own port; the HTTP API mounts them next to its /v1 routes.
import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import type { HealthReport } from "./health-report.js";

/** Options of {@link registerOpsRoutes}. */
export interface OpsRoutesOptions {
  /** What `/metrics` serves: usually `saigaMetrics().registry`. */
  registry: Registry;
  /** Builds the `/health` report on each request (it should answer within about a second). */
  health: () => Promise<HealthReport>;
}

/**
 * Adds `GET /health` and `GET /metrics` to `app`.
 *
 * @example
 * registerOpsRoutes(app, { registry: saigaMetrics().registry, health: () => myHealth() });
 */
export function registerOpsRoutes(app: Pick<FastifyInstance, "get">, options: OpsRoutesOptions): void {
  const { registry, health } = options;
  app.get("/health", async (_request, reply) => {
    const report = await health();
    return reply
      .code(report.status === "ok" ? 200 : 503)
      .header("cache-control", "no-store")
      .send(report);
  });
  app.get("/metrics", async (_request, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).header("cache-control", "no-store").send(text);
  });
}
