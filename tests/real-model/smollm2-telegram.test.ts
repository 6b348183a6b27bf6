// The Telegram bot end to end on a real model: the Bot API emulator over real HTTP, a real Redis,
// and `saiga gateway` + `saiga engine` as separate child processes with MODEL set to SmolLM2. A user
// asks a factual question and reads a real answer in the chat.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotTestbed, requestIdOf } from "../helpers/bot-harness.js";
import { smollm2Path } from "../helpers/smollm2.js";

let bed: BotTestbed;

beforeAll(async () => {
  // The path, not `smollm2`: the processes' data dir is the tests' own, the model is shared.
  const model = await smollm2Path();
  bed = await BotTestbed.create();
  const settings = {
    MODEL: model,
    SAIGA_MODEL_THREADS: "1",
    SAIGA_MODEL_SEQUENCES: "1",
    SAIGA_GENERATION_TEMPERATURE: "0",
    SAIGA_GENERATION_MAX_TOKENS: "48",
  };
  await bed.start("engine", settings);
  await bed.start("gateway", settings);
});
afterAll(async () => {
  await bed?.close();
});

describe("Telegram on SmolLM2", () => {
  it("answers a user's factual question with real text in the chat", async () => {
    const user = bed.emulator.createUser({ languageCode: "en" });
    bed.emulator.sendMessage({ from: user, text: "What is the capital of France?" });
    const [answer] = await bed.waitForAnswers(user.id, 1, 60_000);
    expect(answer!.text).toContain("Paris");
    expect(answer!.replyMarkup!.inline_keyboard[0]!.map((b) => b.text)).toEqual(["👍", "👎", "🔄"]);
    // The history holds the same answer, recorded as SmolLM2's.
    const history = await bed.client.store.history(String(user.id));
    expect(history.map((turn) => turn.role)).toEqual(["user", "assistant"]);
    expect(history[1]!.text).toContain("Paris");
    expect(history[1]!.requestId).toBe(requestIdOf(answer!));
    expect(history[1]!.model).toMatch(/SmolLM2/);
  });
});
