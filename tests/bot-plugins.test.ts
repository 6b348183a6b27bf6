// The bot as a framework: a builder's plugin (a composer with commands of its own) and menu
// entries, given to `runGateway` in this process, against the Bot API emulator and a real Redis,
// under long polling and under a webhook. Its commands win over the text handler and see
// `ctx.saiga`; one that throws takes the bot's one error path: logged once with the update id,
// the update counts as handled, and the bot answers the next message.
import { Writable } from "node:stream";
import { Composer } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SaigaContext } from "../src/bot/bot-context.js";
import type { MenuCommand } from "../src/bot/commands/command-menus.js";
import { runGateway, type RunningGateway } from "../src/bot/gateway/run-gateway.js";
import { textsEn } from "../src/bot/i18n/texts-en.js";
import { loadConfig } from "../src/config/index.js";
import { createLogger } from "../src/log/index.js";
import { createServiceRuntime, type ServiceRuntime } from "../src/service/service-runtime.js";
import { BotTestbed, REDIS_URL, waitUntil } from "./helpers/bot-harness.js";
import { freePort } from "./helpers/free-port.js";
import { WORKER_ENV } from "./helpers/pipeline-harness.js";
import { STANDARD_COMMANDS } from "../src/bot/commands/standard-commands.js";

/** The builder's plugin: /ping answers in the user's language, /boom is a bug. */
function plugin(): Composer<SaigaContext> {
  const composer = new Composer<SaigaContext>();
  composer.command("ping", (ctx) => ctx.reply(`pong (${ctx.saiga.language})`));
  composer.command("boom", () => {
    throw new Error("a bug in the boom command");
  });
  return composer;
}
const MENU: MenuCommand[] = [
  { command: "ping", description: { ru: "Проверить связь", en: "Check the bot is there" } },
  { command: "boom", description: "Fail on purpose", scope: "admins" },
];

/** A gateway in this process whose log lines the test reads. */
async function startGateway(bed: BotTestbed, env: Record<string, string>) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const config = loadConfig({
    env: { ...WORKER_ENV, ...bed.env(env), REDIS_URL, SAIGA_REDIS_PREFIX: bed.client.prefix },
  });
  const log = createLogger({ level: "info", format: "json", destination });
  const runtime = createServiceRuntime(config, REDIS_URL, log, { name: "test-gateway" });
  const gateway = await runGateway(runtime, { plugins: [plugin()], commands: MENU });
  return { runtime, gateway, lines };
}

const modes = {
  polling: async () => ({}),
  webhook: async () => {
    const port = await freePort();
    return {
      SAIGA_TELEGRAM_MODE: "webhook",
      SAIGA_TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${port}/telegram`,
      SAIGA_TELEGRAM_WEBHOOK_HOST: "127.0.0.1",
      SAIGA_TELEGRAM_WEBHOOK_PORT: String(port),
      SAIGA_TELEGRAM_WEBHOOK_SECRET_TOKEN: "plugin-test-secret",
    };
  },
};

describe.each(Object.keys(modes) as (keyof typeof modes)[])("a plugin under %s", (mode) => {
  let bed: BotTestbed;
  let runtime: ServiceRuntime;
  let gateway: RunningGateway;
  let lines: Record<string, unknown>[];

  beforeAll(async () => {
    bed = await BotTestbed.create();
    ({ runtime, gateway, lines } = await startGateway(bed, await modes[mode]()));
  });
  afterAll(async () => {
    await gateway?.close();
    await runtime?.close();
    await bed?.close();
  });

  it("answers its own command, in the user's language, instead of the model", async () => {
    const ann = bed.emulator.createUser({ languageCode: "en" });
    bed.emulator.sendMessage({ from: ann, text: "/ping" });
    await bed.waitForText(ann.id, /^pong \(en\)$/);
    // Not a question: nothing was appended to the chat's history for the model.
    expect(await bed.client.store.history(String(ann.id))).toEqual([]);
  });

  it("lists its commands in the menus next to the standard ones", () => {
    const english = bed.emulator.myCommands({ type: "all_private_chats" }, "en");
    // The plugin's command comes after every standard one.
    expect(english.map((c) => c.command)).toEqual([...STANDARD_COMMANDS.private, "ping"]);
    expect(english.at(-1)?.description).toBe("Check the bot is there");
    const russianGroups = bed.emulator.myCommands({ type: "all_group_chats" });
    expect(russianGroups.at(-1)).toEqual({ command: "ping", description: "Проверить связь" });
  });

  it("logs a throwing command once with its update id, and answers the next message", async () => {
    const bob = bed.emulator.createUser({ languageCode: "en" });
    bed.emulator.sendMessage({ from: bob, text: "/boom" });
    bed.emulator.sendMessage({ from: bob, text: "/ping" });
    bed.emulator.sendMessage({ from: bob, text: "/start" });
    await bed.waitForText(bob.id, /^pong/);
    await bed.waitForText(bob.id, new RegExp(textsEn.start.slice(0, 20)));
    // The update counts as handled: Telegram confirmed it (webhook 200, getUpdates offset), and
    // the polling inbox let it go; nothing is left to run it again.
    await waitUntil(async () => bed.emulator.pendingUpdates === 0, 10_000, "confirmed updates");
    await waitUntil(
      async () => (await bed.client.redis.hlen(bed.client.keys.inbox())) === 0,
      10_000,
      "an empty inbox",
    );
    const failures = lines.filter((line) => line.level === 50);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      msg: "an update handler failed; the update counts as handled",
      updateId: expect.any(Number),
      chatId: bob.id,
      err: { message: "a bug in the boom command" },
    });
  });
});
