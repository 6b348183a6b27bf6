// The body of `saiga start`, `engine`, `gateway`, `trainer` and `api`: find (or, for start, run)
// Redis, start the chosen roles, serve until SIGTERM/SIGINT, then shut down gracefully. The ops
// server (`ops.port`: /health and /metrics) listens from the start, so a loading model already
// answers 503; `saiga api` alone serves them on its own port instead.
import path from "node:path";
import type { Command } from "commander";
import { runApi, type RunningApi } from "../api/run-api.js";
import { registerDashboard } from "../dashboard/index.js";
import { runGateway, type RunningGateway } from "../bot/gateway/run-gateway.js";
import { ConfigError } from "../config/index.js";
import { startOpsServer, type OpsServer } from "../metrics/ops-server.js";
import { ProcessHealth } from "../metrics/process-health.js";
import { redisReachable } from "../metrics/redis-reachable.js";
import { QUEUE_STATES, saigaMetrics } from "../metrics/saiga-metrics.js";
import { engineMetricsObserver } from "../service/engine-metrics-observer.js";
import { runEngineWorker, type RunningEngineWorker } from "../service/run-engine-worker.js";
import { createServiceRuntime, type ServiceRuntime } from "../service/service-runtime.js";
import { ensureRedis } from "../store/ensure-redis.js";
import {
  installTrainingSchedule,
  runTrainerService,
  type RunningTrainer,
} from "../training/run-trainer-service.js";
import { pythonTorchVersion } from "../training/trainer/trainer-process.js";
import type { Config } from "../config/index.js";
import type { Logger } from "../log/index.js";
import { TrainerUnavailableError } from "../training/trainer/trainer-unavailable-error.js";
import { startCli } from "./cli-runtime.js";
import { untilShutdownSignal } from "./until-shutdown-signal.js";

/** Which parts a command runs. */
export interface Roles {
  engine: boolean;
  /** `required`: fail without a bot token; `optional`: run without Telegram when the token is unset. */
  gateway: false | "required" | "optional";
  /** `required`: fail without Python + PyTorch; `optional`: run the trainer only when they are there. */
  trainer: false | "required" | "optional";
  /** Start a private redis-server when REDIS_URL is unset and none answers locally. */
  embeddedRedis: boolean;
  /** The HTTP API: `true` always (`saiga api`), `if-enabled` when `api.enabled` (`saiga start`). Default: off. */
  api?: boolean | "if-enabled";
}

/** The roles running in this process. */
interface RunningRoles {
  engine?: RunningEngineWorker;
  gateway?: RunningGateway;
  trainer?: RunningTrainer;
  api?: RunningApi;
}

/** Serves until a shutdown signal. */
export async function serveRoles(command: Command, roles: Roles): Promise<void> {
  const { config, log } = startCli(command);
  const gatewayOn = roles.gateway !== false && config.telegram.token !== "";
  if (roles.gateway === "required" && !gatewayOn) {
    throw new ConfigError(
      "telegram.token",
      "",
      "a bot token from @BotFather (set BOT_TOKEN)",
      "configuration",
    );
  }
  if (roles.gateway === "optional" && !gatewayOn) {
    log.warn(
      "BOT_TOKEN is not set: the Telegram gateway is off (get a token from @BotFather; `saiga chat` talks in the terminal)",
    );
  }
  const health = new ProcessHealth();
  if (roles.engine) health.starting("engine");
  if (gatewayOn) health.starting("gateway");
  if (roles.trainer !== false) health.starting("trainer");
  const apiOn = roles.api === true || (roles.api === "if-enabled" && config.api.enabled);
  if (config.dashboard.enabled && roles.api === "if-enabled" && !config.api.enabled) {
    // The dashboard lives on the API's server; running that server unasked would open /v1 too.
    throw new ConfigError(
      "api.enabled",
      false,
      "true: dashboard.enabled needs the HTTP server (SAIGA_API_ENABLED=true), or turn the dashboard off",
      "configuration",
    );
  }
  if (apiOn) health.starting("api");
  // Before Redis and the model: a port in use fails at once, and /health says 503 while loading.
  // The API alone needs none: its own port serves /health and /metrics.
  const apiOnly = apiOn && !roles.engine && !gatewayOn && roles.trainer === false;
  const ops = apiOnly ? undefined : await startOps(config, log, health);
  try {
    const redis = await ensureRedis({
      configuredUrl: config.redis.url,
      dataDir: config.dataDir,
      log,
      embedded: roles.embeddedRedis,
    });
    // One runtime for the roles of this process: they share its connections and stores.
    const runtime = createServiceRuntime(config, redis.url, log, {
      name: processName(roles, gatewayOn, apiOn),
    });
    health.checkRedisWith(() => redisReachable(runtime.redis));
    if (roles.engine || gatewayOn || apiOn) {
      saigaMetrics().countQueueWith(() => generateQueueCounts(runtime));
    }
    const running: RunningRoles = {};
    try {
      await startRoles(runtime, roles, gatewayOn, health, running);
      if (apiOn) {
        // Last: its requests need the engines, here or elsewhere.
        const api = await runApi(runtime, {
          mount: config.dashboard.enabled
            ? (app, lend) => registerDashboard(app, runtime, { openAIRoutes: lend })
            : undefined,
        });
        running.api = api;
        health.ready("api", () => ({ url: api.url }));
      }
      await untilShutdownSignal(log, async (force) => {
        health.stopping();
        await running.api?.close(force);
        // Updates stop first (nothing new is accepted), then running answers finish.
        await running.gateway?.close();
        await running.trainer?.close();
        await running.engine?.close(force);
      });
    } catch (error) {
      health.stopping();
      await running.api?.close(true);
      await running.gateway?.close();
      await running.trainer?.close();
      await running.engine?.close(true);
      throw error;
    } finally {
      await runtime.close();
      await redis.embedded?.stop();
    }
  } finally {
    await ops?.close();
  }
}

/** Starts the ops server unless `ops.port` is null. */
function startOps(config: Config, log: Logger, health: ProcessHealth): Promise<OpsServer | undefined> {
  if (config.ops.port === null) return Promise.resolve(undefined);
  return startOpsServer({
    host: config.ops.host,
    port: config.ops.port,
    registry: saigaMetrics().registry,
    health: () => health.report(),
    log,
  });
}

/** Starts each role in turn (into `running`, so that a failure can close what started), marking it ready. */
async function startRoles(
  runtime: ServiceRuntime,
  roles: Roles,
  gatewayOn: boolean,
  health: ProcessHealth,
  running: RunningRoles,
): Promise<void> {
  const { config, log } = runtime;
  if (roles.engine) {
    const engine = await runEngineWorker(runtime, { observer: engineMetricsObserver(saigaMetrics()) });
    running.engine = engine;
    health.ready("engine", () => {
      const { modelPath, adapterPath, sequences, contextSize } = engine.engine.info;
      return {
        model: path.basename(modelPath),
        adapter: adapterPath ? path.basename(adapterPath, ".gguf") : null,
        sequences,
        contextSize,
      };
    });
  }
  if (gatewayOn) {
    const gateway = await runGateway(runtime);
    running.gateway = gateway;
    health.ready("gateway", () => ({ bot: gateway.username, mode: config.telegram.mode }));
  }
  if (roles.trainer !== false) {
    await installTrainingSchedule(runtime);
    const unavailable = trainerUnavailable(config, roles.trainer, log);
    if (unavailable) {
      health.off("trainer", unavailable);
      return;
    }
    running.trainer = await runTrainerService(runtime);
    health.ready("trainer", () => ({ schedule: config.training.schedule }));
  }
}

/** The `generate` queue's counts for `saiga_generate_queue_jobs`; none while Redis is away. */
async function generateQueueCounts(runtime: ServiceRuntime) {
  if (runtime.redis.status !== "ready") throw new Error("Redis is not connected");
  // Summed over the shared queue and the engines' own queues (chat routing).
  return runtime.generation.jobCounts(...QUEUE_STATES);
}

/** The process's name in Redis' CLIENT LIST: its roles. */
function processName(roles: Roles, gatewayOn: boolean, apiOn: boolean): string {
  const names = [
    roles.engine && "engine",
    gatewayOn && "gateway",
    roles.trainer !== false && "trainer",
    apiOn && "api",
  ];
  return names.filter(Boolean).join("+") || "saiga";
}

/**
 * Why the trainer cannot run here (no Python with PyTorch at `training.python`), or null when it
 * can. A required trainer that cannot run is an error.
 */
function trainerUnavailable(config: Config, role: "required" | "optional", log: Logger): string | null {
  const torch = pythonTorchVersion(config.training.python);
  if (torch !== null) {
    log.info({ python: config.training.python, torch }, "trainer available");
    return null;
  }
  const error = new TrainerUnavailableError(config.training.python);
  if (role === "required") throw error;
  log.warn(`training is off on this machine: ${error.message}`);
  return error.message;
}
