// Which adapter answers a chat (/model) and the online A/B of adapters (/ab), end to end:
// `saiga start` (gateway + engine on the demo model, serving two random LoRA versions) against the
// Bot API emulator and a real Redis. Votes are real 👍/👎 presses through the emulator; the
// expected statistics are computed here, independently of the bot's code.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textsEn } from "../src/bot/i18n/texts-en.js";
import { normalQuantile, twoProportionZTest, wilsonInterval } from "../src/eval/proportion-statistics.js";
import { AdapterExperimentStore, experimentArmOf } from "../src/store/adapter-experiment.js";
import { AdapterStore } from "../src/store/adapter-store.js";
import { AdapterRegistry } from "../src/training/adapter-registry.js";
import { BotTestbed, requestIdOf, waitUntil } from "./helpers/bot-harness.js";
import type { UserChat } from "./helpers/bot-api-emulator/index.js";
import { writeRandomAdapter } from "./helpers/random-lora-adapter.js";
import { demoModelPath } from "./helpers/test-engine.js";

const ADMIN_ID = 515151;
const MIN_VOTES = 3;

let bed: BotTestbed;
let registry: AdapterRegistry;
let experiments: AdapterExperimentStore;
/** The active version and a candidate. */
let active: string;
let candidate: string;

beforeAll(async () => {
  bed = await BotTestbed.create();
  const work = mkdtempSync(path.join(tmpdir(), "saiga-model-ab-"));
  const { redis, keys } = bed.client;
  registry = new AdapterRegistry(new AdapterStore({ redis, keys }), path.join(work, "registry"));
  experiments = new AdapterExperimentStore({ redis, keys });
  const model = await demoModelPath();
  const versions: string[] = [];
  for (const seed of [11, 12]) {
    const file = path.join(work, `random-${seed}.gguf`);
    await writeRandomAdapter(model, file, { seed, stdA: 0.5, stdB: 0.5 });
    const manifest = await registry.register({
      adapterFile: file,
      baseModelPath: model,
      dataset: null,
      hyperparameters: {},
      metrics: {},
    });
    versions.push(manifest.version);
  }
  [active, candidate] = versions as [string, string];
  await registry.activate(active);
  await bed.start("start", {
    ADMIN_IDS: String(ADMIN_ID),
    SAIGA_GENERATION_MAX_TOKENS: "6",
    SAIGA_TRAINING_ADAPTERS_DIR: path.join(work, "served"),
    SAIGA_TRAINING_AB_AUTO_PROMOTE_ENABLED: "true",
    SAIGA_TRAINING_AB_AUTO_PROMOTE_MIN_VOTES: String(MIN_VOTES),
    SAIGA_TRAINING_AB_AUTO_PROMOTE_CONFIDENCE: "0.95",
  });
});
afterAll(async () => {
  await bed?.close();
});

const user = () => bed.emulator.createUser({ languageCode: "en" });

/** Sends a question and returns the adapter version its answer's generation record names. */
async function askAdapter(
  chat: UserChat,
  from: ReturnType<typeof user>,
  count: number,
): Promise<string | null> {
  const group = chat.type !== "private";
  bed.emulator.sendMessage({ from, chat, text: group ? "@saiga_test_bot hello" : "hello" });
  const answers = await bed.waitForAnswers(chat.id, count, 60_000);
  const record = await bed.records.get(requestIdOf(answers[count - 1]!)!);
  return record!.adapter;
}

/** The /model menu message (the newest one) in a chat. */
async function modelMenu(chat: UserChat, from: ReturnType<typeof user>) {
  const before = bed.emulator.messagesIn(chat.id).length;
  bed.emulator.sendMessage({ from, chat, text: "/model" });
  return bed.emulator.waitFor(() =>
    bed.emulator
      .messagesIn(chat.id)
      .slice(before)
      .find((m) => m.text.startsWith("Model in this chat")),
  );
}

describe("/model", () => {
  it("lists the base, the active adapter and the candidate, and the choice decides who answers", async () => {
    const alice = user();
    const chat = bed.emulator.privateChat(alice);
    const menu = await modelMenu(chat, alice);
    expect(menu.text).toContain(textsEn.modelActive(active));
    expect(menu.text).toContain("(default)");
    const buttons = menu.replyMarkup!.inline_keyboard.flat() as { text: string; callback_data: string }[];
    expect(buttons.map((b) => b.callback_data)).toEqual([
      "md:base",
      "md:active",
      `md:${candidate}`,
      "md:default",
    ]);
    expect(buttons.at(-1)!.text).toBe(`✓ ${textsEn.modelDefault}`);

    expect(await askAdapter(chat, alice, 1)).toBe(active);
    for (const [data, expected, count] of [
      ["md:base", null, 2],
      [`md:${candidate}`, candidate, 3],
      ["md:default", active, 4],
    ] as const) {
      const query = bed.emulator.pressButton({ message: menu.message, data });
      await bed.emulator.waitFor(() => bed.emulator.callbackAnswer(query.id));
      // The choice sticks: a message later, and the menu shows it.
      expect(await askAdapter(chat, alice, count)).toBe(expected);
    }
    const shown = await modelMenu(chat, alice);
    expect(shown.text).toContain("(default)");
  });

  it("in a group, lets only its admins change the model", async () => {
    const owner = user();
    const member = user();
    const group = bed.emulator.createGroup();
    bed.emulator.setChatMember(group, owner, "creator");
    bed.emulator.setChatMember(group, member, "member");
    const menu = await modelMenu(group, member);
    bed.emulator.pressButton({ message: menu.message, data: "md:base", from: member });
    await bed.waitForText(group.id, new RegExp(textsEn.groupAdminsOnly));
    expect((await bed.client.store.getSettings(String(group.id))).model).toBeUndefined();
    const query = bed.emulator.pressButton({ message: menu.message, data: "md:base", from: owner });
    await bed.emulator.waitFor(() => bed.emulator.callbackAnswer(query.id));
    expect((await bed.client.store.getSettings(String(group.id))).model).toBe("base");
    expect(await askAdapter(group, owner, 1)).toBeNull();
  });
});

/** Wilson score interval at 95%, written out here as a check on the bot's. */
function wilson95(k: number, n: number): [number, number] {
  const z = 1.959963984540054;
  const p = k / n;
  const center = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [Math.max(0, center - half), Math.min(1, center + half)];
}
const pct = (x: number) => Math.round(x * 100);
const rate = (k: number, n: number) => {
  const [lo, hi] = wilson95(k, n);
  return `${k}/${n} = ${pct(k / n)}% (95%: ${pct(lo)}–${pct(hi)}%)`;
};

describe("proportion statistics", () => {
  it("gives the Wilson interval and the z-test of known examples", () => {
    // Newcombe (1998), table I: 81/263 → 0.2553–0.3662; 15/148 → 0.0624–0.1605; 0/10 → 0–0.2775.
    const close = (actual: [number, number] | null, expected: [number, number]) => {
      expect(actual![0]).toBeCloseTo(expected[0], 4);
      expect(actual![1]).toBeCloseTo(expected[1], 4);
    };
    close(wilsonInterval(81, 263), [0.2553, 0.3662]);
    close(wilsonInterval(15, 148), [0.0624, 0.1605]);
    close(wilsonInterval(0, 10), [0, 0.2775]);
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.95)).toBeCloseTo(1.644854, 5);
    // 60/100 vs 45/100: pooled p = 0.525, z = 0.15 / sqrt(0.525·0.475·0.02) = 2.1239, p ≈ 0.0168.
    const test = twoProportionZTest(60, 100, 45, 100);
    expect(test.z).toBeCloseTo(2.1239, 3);
    expect(test.pValue).toBeCloseTo(0.0168, 3);
    expect(twoProportionZTest(3, 3, 3, 3)).toEqual({ z: 0, pValue: 1 });
  });
});

describe("/ab", () => {
  it("refuses non-admins", async () => {
    const mallory = user();
    bed.emulator.sendMessage({ from: mallory, text: `/ab start ${candidate}` });
    await bed.waitForText(mallory.id, new RegExp(textsEn.notAdmin));
    expect(await experiments.current()).toBeNull();
  });

  it("serves the candidate to a share of chats, counts votes per version, and promotes it only past the threshold", async () => {
    const admin = bed.emulator.createUser({ id: ADMIN_ID, languageCode: "en" });
    bed.emulator.sendMessage({ from: admin, text: `/ab start ${active}` });
    await bed.waitForText(admin.id, /only a candidate can be tested/);
    bed.emulator.sendMessage({ from: admin, text: `/ab start ${candidate} 0.5` });
    await bed.waitForText(admin.id, /A\/B started/);
    const experiment = (await experiments.current())!;
    expect(experiment).toMatchObject({ version: candidate, share: 0.5 });

    // One group on each side (the side is a hash of the chat id); each answer names who wrote it.
    const groups = {
      candidate: undefined as UserChat | undefined,
      active: undefined as UserChat | undefined,
    };
    while (!groups.candidate || !groups.active) {
      const group = bed.emulator.createGroup();
      groups[experimentArmOf(experiment, String(group.id))] ??= group;
    }
    const voters = Array.from({ length: 4 }, user);
    expect(await askAdapter(groups.candidate, voters[0]!, 1)).toBe(candidate);
    expect(await askAdapter(groups.active, voters[0]!, 1)).toBe(active);
    const [candidateAnswer] = bed.answers(groups.candidate.id);
    const [activeAnswer] = bed.answers(groups.active.id);

    const vote = async (answer: typeof candidateAnswer, kind: "up" | "down", from: (typeof voters)[0]) => {
      const query = bed.emulator.pressButton({
        message: answer!.message,
        data: `fb:${kind}:${requestIdOf(answer!)}`,
        from,
      });
      await bed.emulator.waitFor(() => bed.emulator.callbackAnswer(query.id));
    };
    for (const voter of voters.slice(0, 3)) await vote(candidateAnswer, "up", voter);
    // 🔄 on the candidate's answer: a regeneration, written by the candidate again.
    bed.emulator.pressButton({
      message: candidateAnswer!.message,
      data: `re:${requestIdOf(candidateAnswer!)}`,
      from: voters[3]!,
    });
    // The replaced answer loses its buttons; the new one has them.
    const regenerated = await bed.emulator.waitFor(
      () => bed.answers(groups.candidate!.id).find((m) => m.messageId !== candidateAnswer!.messageId),
      60_000,
    );
    expect((await bed.records.get(requestIdOf(regenerated)!))!.adapter).toBe(candidate);
    // One 👎 short of MIN_VOTES on the active side.
    for (const voter of voters.slice(0, MIN_VOTES - 1)) await vote(activeAnswer, "down", voter);
    // Updates of one chat run one at a time: once /help is answered, the last vote was fully handled.
    bed.emulator.sendMessage({ from: voters[0]!, chat: groups.active, text: "/help" });
    await bed.waitForText(groups.active.id, /Write a message/);

    expect(await registry.active()).toBe(active);
    expect((await experiments.current())?.id).toBe(experiment.id);
    const before = bed.emulator.messagesIn(admin.id).length;
    bed.emulator.sendMessage({ from: admin, text: "/ab" });
    const stats = await bed.emulator.waitFor(() =>
      bed.emulator
        .messagesIn(admin.id)
        .slice(before)
        .find((m) => m.text.startsWith("A/B:")),
    );
    expect(stats.text.split("\n").slice(1)).toEqual([
      `🧪 ${candidate}: 👍 ${rate(3, 3)} of votes, 🔄 ${rate(1, 4)} of reactions`,
      `⭐ ${active}: 👍 ${rate(0, MIN_VOTES - 1)} of votes, 🔄 ${rate(0, MIN_VOTES - 1)} of reactions`,
    ]);
    // Already significant (3/3 against 0/2), but not enough votes on the active side.
    expect(twoProportionZTest(3, 3, 0, MIN_VOTES - 1).z).toBeGreaterThan(normalQuantile(0.95));

    await vote(activeAnswer, "down", voters[MIN_VOTES - 1]!);
    await waitUntil(async () => (await registry.active()) === candidate, 10_000, "the promotion");
    expect(await experiments.current()).toBeNull();
    expect((await registry.list()).find((m) => m.version === active)?.status).toBe("retired");
    bed.emulator.sendMessage({ from: admin, text: "/ab" });
    await bed.waitForText(admin.id, new RegExp(textsEn.abNone.slice(0, 30).replace(/[/.]/g, "\\$&")));
  });
});
