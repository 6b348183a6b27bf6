// The body of `saiga start`, `saiga engine` and `saiga gateway`: find (or, for start, run) Redis,
// start the chosen roles, serve until SIGTERM/SIGINT, then shut down gracefully.
import type { Command } from "commander";
import { runGateway, type RunningGateway } from "../bot/gateway/run-gateway.js";
import { ConfigError } from "../config/index.js";
import { runEngineWorker, type RunningEngineWorker } from "../service/run-engine-worker.js";
import { createServiceRuntime } from "../service/service-runtime.js";
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
  const redis = await ensureRedis({
    configuredUrl: config.redis.url,
    dataDir: config.dataDir,
    log,
    embedded: roles.embeddedRedis,
  });
  // One runtime for the roles of this process: they share its connections and stores.
  const runtime = createServiceRuntime(config, redis.url, log, { name: processName(roles, gatewayOn) });
  let engine: RunningEngineWorker | undefined;
  let gateway: RunningGateway | undefined;
  let trainer: RunningTrainer | undefined;
  try {
    if (roles.engine) engine = await runEngineWorker(runtime);
    if (gatewayOn) gateway = await runGateway(runtime);
    if (roles.trainer !== false) {
      await installTrainingSchedule(runtime);
      if (trainerAvailable(config, roles.trainer, log)) trainer = await runTrainerService(runtime);
    }
    await untilShutdownSignal(log, async (force) => {
      // Updates stop first (nothing new is accepted), then running answers finish.
      await gateway?.close();
      await trainer?.close();
      await engine?.close(force);
    });
  } catch (error) {
    await gateway?.close();
    await trainer?.close();
    await engine?.close(true);
    throw error;
  } finally {
    await runtime.close();
    await redis.embedded?.stop();
  }
}

/** The process's name in Redis' CLIENT LIST: its roles. */
function processName(roles: Roles, gatewayOn: boolean): string {
  const names = [roles.engine && "engine", gatewayOn && "gateway", roles.trainer !== false && "trainer"];
  return names.filter(Boolean).join("+") || "saiga";
}

/** Whether the trainer can run here: Python with PyTorch (`training.python`). */
function trainerAvailable(config: Config, role: "required" | "optional", log: Logger): boolean {
  const torch = pythonTorchVersion(config.training.python);
  if (torch !== null) {
    log.info({ python: config.training.python, torch }, "trainer available");
    return true;
  }
  const error = new TrainerUnavailableError(config.training.python);
  if (role === "required") throw error;
  log.warn(`training is off on this machine: ${error.message}`);
  return false;
}
