// Chart.js for every dashboard page with charts, served from node_modules (no CDN: the dashboard
// works offline and its Content-Security-Policy allows only its own scripts). Pages load
// CHART_SCRIPT_PATH with a <script> tag, then draw with the global `Chart`.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { BAR_CHARTS_SCRIPT, BAR_CHARTS_SCRIPT_PATH } from "./bar-charts-script.js";

/** Where the pages find Chart.js (its UMD build). */
export const CHART_SCRIPT_PATH = "/admin/assets/chart.umd.min.js";

const require = createRequire(import.meta.url);

/** Adds the routes of {@link CHART_SCRIPT_PATH} and the bar charts' script to the dashboard's app (prefixed /admin). */
export function registerChartScript(app: FastifyInstance): void {
  let script: Promise<string> | undefined;
  app.get(CHART_SCRIPT_PATH.slice(app.prefix.length), async (_request, reply) => {
    // The package exports no path to its UMD build: it lies beside the CommonJS entry.
    script ??= readFile(path.join(path.dirname(require.resolve("chart.js")), "chart.umd.min.js"), "utf8");
    return reply
      .type("text/javascript; charset=utf-8")
      .header("cache-control", "private, max-age=86400")
      .send(await script);
  });
  app.get(BAR_CHARTS_SCRIPT_PATH.slice(app.prefix.length), async (_request, reply) =>
    reply.type("text/javascript; charset=utf-8").header("cache-control", "no-cache").send(BAR_CHARTS_SCRIPT),
  );
}
