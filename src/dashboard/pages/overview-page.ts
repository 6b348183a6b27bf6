// Overview: is everything alive and how busy is it. The page is a skeleton that its script fills
// from GET /admin/api/overview every 2 s: the serving engines and gateways (their heartbeats), speed and
// time to first token of the last answers, the generate queue, and Redis' memory and persistence.
import type { FastifyInstance } from "fastify";
import type { RedisConnection } from "../../store/redis-connection.js";
import { servingEngines, type EngineHeartbeat } from "../../service/engine-presence.js";
import { runningGateways, type GatewayHeartbeat } from "../../service/gateway-presence.js";
import { generateResultSchema } from "../../service/protocol/stream-entry.js";
import type { ServiceRuntime } from "../../service/service-runtime.js";
import type { DashboardContext } from "../dashboard-context.js";
import { html, rawHtml } from "../html.js";
import { registerJson, registerPage } from "../register-page.js";

/** How many finished generations the speed figures average over. */
const RECENT_JOBS = 20;

/** What /admin/api/overview answers. */
export interface Overview {
  engines: EngineHeartbeat[];
  gateways: GatewayHeartbeat[];
  queue: { waiting: number; active: number; delayed: number; failed: number; completed: number };
  /** Averages over the last answered generations (null: none yet). */
  recent: { answers: number; tokensPerSecond: number | null; timeToFirstTokenMs: number | null };
  redis: { usedMemory: string; maxMemory: string; evictionPolicy: string; persistence: string };
}

/** Adds the overview page (/admin/) and its data (/admin/api/overview). */
export function registerOverviewPage(admin: FastifyInstance, { runtime }: DashboardContext): void {
  registerJson(admin, "/overview", () => overviewOf(runtime));
  registerPage(admin, {
    path: "/",
    title: "Overview",
    render: async () =>
      html` <section class="cards">
          <div class="card">
            <div class="muted">Running generations</div>
            <div class="value" id="active">–</div>
          </div>
          <div class="card">
            <div class="muted">Queued generations</div>
            <div class="value" id="waiting">–</div>
          </div>
          <div class="card">
            <div class="muted">Tokens/s (last answers)</div>
            <div class="value" id="tps">–</div>
          </div>
          <div class="card">
            <div class="muted">Time to first token</div>
            <div class="value" id="ttft">–</div>
          </div>
        </section>
        <h2>Engines</h2>
        <div class="table-wrap">
          <table id="engines">
            <thead>
              <tr>
                <th>Engine</th>
                <th>Model</th>
                <th>Adapter</th>
                <th>Backend</th>
                <th>Threads</th>
                <th>Sequences</th>
                <th>Context</th>
                <th>Up</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <td colspan="8" class="muted">loading…</td>
              </tr>
            </tbody>
          </table>
        </div>
        <h2>Telegram gateways</h2>
        <div class="table-wrap">
          <table id="gateways">
            <thead>
              <tr>
                <th>Gateway</th>
                <th>Bot</th>
                <th>Updates by</th>
                <th>Up</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <td colspan="4" class="muted">loading…</td>
              </tr>
            </tbody>
          </table>
        </div>
        <h2>Redis</h2>
        <section class="cards">
          <div class="card">
            <div class="muted">Memory used / limit</div>
            <div class="value" id="redis-memory">–</div>
          </div>
          <div class="card">
            <div class="muted">Persistence</div>
            <div class="value" id="redis-persistence">–</div>
            <div class="muted" id="redis-policy"></div>
          </div>
        </section>
        <script>
          ${rawHtml(OVERVIEW_SCRIPT)};
        </script>`,
  });
}

/** Fills the page from the JSON (textContent only: nothing from the server is parsed as HTML). */
const OVERVIEW_SCRIPT = `
const uptime = (beat) => Math.round((Date.now() - beat.startedAt) / 60000) + " min";
function fillTable(id, items, cellsOf, empty) {
  const rows = items.map((item) => {
    const row = document.createElement("tr");
    for (const value of cellsOf(item)) {
      const cell = document.createElement("td");
      cell.textContent = String(value);
      row.append(cell);
    }
    return row;
  });
  if (rows.length === 0) {
    const row = document.createElement("tr");
    const cell = document.createElement("td");
    cell.colSpan = 8;
    cell.className = "muted";
    cell.textContent = empty;
    row.append(cell);
    rows.push(row);
  }
  document.querySelector("#" + id + " tbody").replaceChildren(...rows);
}
document.addEventListener("DOMContentLoaded", () => saiga.poll("/admin/api/overview", 2000, (o) => {
  saiga.text("active", o.queue.active);
  saiga.text("waiting", o.queue.waiting + o.queue.delayed);
  saiga.text("tps", o.recent.tokensPerSecond === null ? "–" : o.recent.tokensPerSecond.toFixed(1));
  saiga.text("ttft", o.recent.timeToFirstTokenMs === null ? "–" : Math.round(o.recent.timeToFirstTokenMs) + " ms");
  saiga.text("redis-memory", o.redis.usedMemory + " / " + o.redis.maxMemory);
  saiga.text("redis-persistence", o.redis.persistence);
  saiga.text("redis-policy", "eviction: " + o.redis.evictionPolicy);
  fillTable("engines", o.engines, (e) => [e.host + " (" + e.pid + ")", e.model, e.adapter ?? "bare model", e.gpu ?? "?", e.threads ?? "?", e.sequences, e.contextSize, uptime(e)],
    "No engine is serving: start one (saiga start or saiga engine).");
  fillTable("gateways", o.gateways, (g) => [g.host + " (" + g.pid + ")", "@" + g.bot, g.mode, uptime(g)],
    "No Telegram gateway is running (saiga start with BOT_TOKEN, or saiga gateway).");
}));
`;

/** Everything the overview shows, read now. */
export async function overviewOf(runtime: ServiceRuntime): Promise<Overview> {
  const queue = runtime.generation.queue;
  const [engines, gateways, counts, finished, redis] = await Promise.all([
    servingEngines(runtime.redis, runtime.keys),
    runningGateways(runtime.redis, runtime.keys),
    runtime.generation.jobCounts("waiting", "active", "delayed", "failed", "completed", "prioritized"),
    queue.getJobs(["completed"], 0, RECENT_JOBS - 1),
    redisState(runtime.redis),
  ]);
  const stats = finished
    .map((job) => generateResultSchema.safeParse(job?.returnvalue))
    .flatMap((result) => (result.success && result.data.stats ? [result.data.stats] : []));
  return {
    engines,
    gateways,
    queue: {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      completed: counts.completed ?? 0,
    },
    recent: {
      answers: stats.length,
      tokensPerSecond: average(stats.map((s) => s.tokensPerSecond)),
      timeToFirstTokenMs: average(stats.map((s) => s.timeToFirstTokenMs)),
    },
    redis,
  };
}

/** Redis memory and persistence from INFO (CONFIG may be refused on managed Redis: INFO is not). */
async function redisState(redis: RedisConnection): Promise<Overview["redis"]> {
  const info = parseInfo(await redis.info("memory"));
  const persistence = parseInfo(await redis.info("persistence"));
  const modes = [
    persistence.get("aof_enabled") === "1" && "AOF",
    // RDB is on when a snapshot schedule exists; INFO shows it only indirectly.
    (await rdbScheduled(redis)) && "RDB snapshots",
  ].filter(Boolean);
  return {
    usedMemory: info.get("used_memory_human") ?? "?",
    maxMemory: info.get("maxmemory") === "0" ? "no limit" : (info.get("maxmemory_human") ?? "?"),
    evictionPolicy: info.get("maxmemory_policy") ?? "?",
    persistence: modes.length > 0 ? modes.join(" + ") : "none (in memory only)",
  };
}

async function rdbScheduled(redis: RedisConnection): Promise<boolean> {
  try {
    const [, schedule] = (await redis.config("GET", "save")) as [string, string];
    return (schedule ?? "").trim() !== "";
  } catch {
    return false;
  }
}

function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(":");
    if (at > 0 && !line.startsWith("#")) fields.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return fields;
}

function average(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
}
