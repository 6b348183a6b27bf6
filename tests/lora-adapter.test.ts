// GGUF LoRA adapters: written by our GGUF module, applied by llama.cpp through the engine and `--adapter`.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEMO_MODEL_OPTIONS, SeededRandom, writeLoraAdapter } from "../src/gguf/index.js";
import { runSaiga } from "./helpers/run-saiga.js";
import { testEngine } from "./helpers/test-engine.js";

const dir = mkdtempSync(path.join(tmpdir(), "saiga-lora-"));
const RANK = 8;

/** An adapter on attn_q and attn_v of every demo layer; `std` 0 writes B = 0 (changes nothing). */
async function adapter(name: string, std: number): Promise<string> {
  const file = path.join(dir, `${name}.gguf`);
  const { nEmbd, nLayer } = DEMO_MODEL_OPTIONS;
  const random = new SeededRandom(99);
  const pairs = [];
  for (let layer = 0; layer < nLayer; layer++) {
    for (const weight of ["attn_q", "attn_v"]) {
      pairs.push({
        weight: `blk.${layer}.${weight}.weight`,
        nIn: nEmbd,
        nOut: nEmbd,
        rank: RANK,
        a: random.fillNormal(new Float32Array(RANK * nEmbd), 0.5),
        b: random.fillNormal(new Float32Array(nEmbd * RANK), 0.5).map((v) => v * (std > 0 ? 1 : 0)),
      });
    }
  }
  await writeLoraAdapter(file, { architecture: "llama", alpha: RANK, pairs, name });
  return file;
}

const greedy = { temperature: 0, maxTokens: 24 } as const;
const question = [{ role: "user" as const, content: "Что такое сайга?" }];

describe("LoRA adapters", () => {
  it("an adapter with B = 0 leaves the answer unchanged; a real one changes it", async () => {
    const base = await (await testEngine()).complete({ messages: question, sampling: greedy });
    const zero = await (
      await testEngine({ adapterPath: await adapter("zero", 0) })
    ).complete({
      messages: question,
      sampling: greedy,
    });
    const strong = await (
      await testEngine({ adapterPath: await adapter("strong", 1) })
    ).complete({
      messages: question,
      sampling: greedy,
    });
    expect(zero.text).toBe(base.text);
    expect(strong.text).not.toBe(base.text);
  });

  it("hot-swaps adapters: running answers finish on the old one, new ones use the new one, and back", async () => {
    const strongFile = await adapter("swap-strong", 1);
    const base = await (await testEngine()).complete({ messages: question, sampling: greedy });
    const strong = await (
      await testEngine({ adapterPath: strongFile })
    ).complete({
      messages: question,
      sampling: greedy,
    });
    // A separate engine: swapping changes it for good.
    const engine = await testEngine({ batchSize: 256 });
    const long = { temperature: 0, maxTokens: 200 };
    const running = engine.generate({ messages: question, sampling: long });
    const first = await running.next(); // the running answer has started on the bare model
    expect(first.value).toMatchObject({ type: "delta" });
    await engine.setAdapter(strongFile);
    expect(engine.info.adapterPath).toBe(strongFile);
    const during = await engine.complete({ messages: question, sampling: greedy });
    let finished: { text: string; adapterPath?: string | null } | undefined;
    for await (const event of running) if (event.type === "end") finished = event;
    expect(finished?.adapterPath).toBeNull();
    // The same settings on an engine that never swapped.
    const reference = await (
      await testEngine({ batchSize: 256, sequences: 2 })
    ).complete({
      messages: question,
      sampling: long,
    });
    expect(finished?.text).toBe(reference.text); // not disturbed by the swap
    expect(during.text).toBe(strong.text);

    await engine.setAdapter(null); // rollback
    const after = await engine.complete({ messages: question, sampling: greedy });
    expect(after.text).toBe(base.text);
  });

  it("`saiga chat --once --adapter` applies the adapter", async () => {
    const file = await adapter("cli", 1);
    const args = ["chat", "--once", "Привет", "--json", "--temperature", "0", "--max-tokens", "16"];
    const plain = await runSaiga(args, { LOG_LEVEL: "silent" });
    const adapted = await runSaiga([...args, "--adapter", file], { LOG_LEVEL: "silent" });
    expect(adapted.code, adapted.stderr).toBe(0);
    const a = JSON.parse(plain.stdout) as { text: string };
    const b = JSON.parse(adapted.stdout) as { text: string; engine: { adapterPath: string } };
    expect(b.engine.adapterPath).toBe(file);
    expect(b.text).not.toBe(a.text);
  });

  it("a missing adapter file is a clear error", async () => {
    const run = await runSaiga(["chat", "--once", "hi", "--adapter", path.join(dir, "missing.gguf")], {
      LOG_LEVEL: "silent",
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^saiga: .*missing\.gguf/);
  });
});
