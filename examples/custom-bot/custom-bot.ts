// A custom bot built on saiga-bot: every standard feature (answers streamed from the model, the
// 👍 👎 🔄 buttons, /help, /reset, /system, the admin commands) plus a /dice command of its own,
// wired the way `saiga start` wires itself. Run it with `node --import tsx examples/custom-bot/custom-bot.ts`
// (README.md beside this file).
import {
  Composer,
  createLogger,
  createServiceRuntime,
  ensureRedis,
  loadConfig,
  runEngineWorker,
  runGateway,
  type MenuCommand,
  type SaigaContext,
} from "saiga-bot";

/** The bot's own command. `ctx.saiga` is set up already: it answers in the user's language. */
const dice = new Composer<SaigaContext>();
dice.command("dice", async (ctx) => {
  const value = 1 + Math.floor(Math.random() * 6);
  await ctx.reply(ctx.saiga.language === "ru" ? `🎲 Выпало ${value}` : `🎲 You rolled ${value}`);
});
// Everything else (other commands, questions, buttons) goes on to the standard features.

/** …and its entry in the command menus, next to the standard commands. */
const diceMenu: MenuCommand = { command: "dice", description: { ru: "Бросить кубик", en: "Roll a die" } };

// The same environment and config/default.yaml as `saiga`: BOT_TOKEN, REDIS_URL, MODEL, …
const config = loadConfig();
const log = createLogger({
  level: config.log.level,
  format: config.log.format,
  secrets: [config.telegram.token, config.telegram.webhook.secretToken],
});
// REDIS_URL, else a local Redis, else a private redis-server under the data directory.
const redis = await ensureRedis({
  configuredUrl: config.redis.url,
  dataDir: config.dataDir,
  log,
  embedded: true,
});
const runtime = createServiceRuntime(config, redis.url, log, { name: "custom-bot" });

const engine = await runEngineWorker(runtime);
const gateway = await runGateway(runtime, { plugins: [dice], commands: [diceMenu] });
log.info({ bot: gateway.username }, "custom bot running");

// SIGTERM / Ctrl-C: stop taking updates, let running answers finish, then close the connections.
let stopping = false;
const shutDown = async () => {
  if (stopping) return;
  stopping = true;
  await gateway.close();
  await engine.close();
  await runtime.close();
  await redis.embedded?.stop();
};
process.once("SIGTERM", () => void shutDown());
process.once("SIGINT", () => void shutDown());
