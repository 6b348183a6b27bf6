// examples/custom-bot runs as a user of the package would run it (`node --import tsx`, importing
// "saiga-bot", which resolves to dist/), as a real child process against the Bot API emulator, a
// real Redis and the demo model: its own /dice command answers, and so do the standard features.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotTestbed, requestIdOf } from "./helpers/bot-harness.js";
import type { WorkerProcess } from "./helpers/pipeline-harness.js";

let bed: BotTestbed;
let bot: WorkerProcess;

beforeAll(async () => {
  bed = await BotTestbed.create();
  bot = await bed.startScript("examples/custom-bot/custom-bot.ts", "custom bot running");
});
afterAll(async () => {
  await bed?.close();
});

describe("the custom bot example", () => {
  it("answers its own /dice command and lists it in the menu", async () => {
    const ann = bed.emulator.createUser({ languageCode: "en" });
    bed.emulator.sendMessage({ from: ann, text: "/dice" });
    await bed.waitForText(ann.id, /^🎲 You rolled [1-6]$/);
    const menu = bed.emulator.myCommands({ type: "all_private_chats" }).map((c) => c.command);
    expect(menu).toContain("dice");
    expect(menu).toContain("help");
  });

  it("answers an ordinary message with the model, streamed and delivered with the buttons", async () => {
    const bob = bed.emulator.createUser();
    bed.emulator.sendMessage({ from: bob, text: "Привет! Как дела?" });
    const [answer] = await bed.waitForAnswers(bob.id);
    expect(answer!.replyMarkup!.inline_keyboard[0]!.map((b) => b.text)).toEqual(["👍", "👎", "🔄"]);
    const history = await bed.client.store.history(String(bob.id));
    expect(history.map((turn) => turn.role)).toEqual(["user", "assistant"]);
    expect(history[1]!.requestId).toBe(requestIdOf(answer!));
  });

  it("shuts down cleanly on SIGTERM", async () => {
    expect(await bot.stop()).toBe(0);
  });
});
