// Learning from feedback, the whole loop on real components: feedback in Redis → the scheduled
// training job → `saiga trainer` (the PyTorch trainer on CPU, demo model) → the evaluation gate →
// activation → a `saiga engine` process on another "machine" (its own adapters folder: the bytes
// come through Redis) answers with the new adapter. A rollback while an answer is being written
// lets that answer finish and restores the old behaviour.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdapterStore, sha256 } from "../src/store/adapter-store.js";
import { FeedbackStore } from "../src/store/feedback-store.js";
import { GenerationRecords } from "../src/store/generation-records.js";
import { AdapterRegistry } from "../src/training/adapter-registry.js";
import { pythonTorchVersion } from "../src/training/trainer/trainer-process.js";
import { readTokenStream } from "../src/service/token-stream.js";
import { TrainingQueue } from "../src/training/training-queue.js";
import { waitUntil } from "./helpers/bot-harness.js";
import { JudgeEmulator } from "./helpers/judge-emulator.js";
import { NAME_PHRASE, recordNameFeedback } from "./helpers/name-feedback.js";
import { runSaiga } from "./helpers/run-saiga.js";
import { PipelineClient, startWorker, type WorkerProcess } from "./helpers/pipeline-harness.js";
import { describeAdapter } from "../src/training/describe-adapter.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const PYTHON = "/usr/bin/python3";
const TORCH = pythonTorchVersion(PYTHON);
const SKIP_NOTE = TORCH ? "" : ` (skipped: ${PYTHON} cannot import torch; install Debian's python3-torch)`;
const PHRASE = NAME_PHRASE;

describe.skipIf(!TORCH)(`feedback → trainer → gate → hot swap → rollback${SKIP_NOTE}`, () => {
  const work = mkdtempSync(path.join(tmpdir(), "saiga-loop-"));
  const common = {
    SAIGA_GENERATION_TEMPERATURE: "0",
    SAIGA_GENERATION_REPEAT_PENALTY: "1",
    SAIGA_TRAINING_PYTHON: PYTHON,
  };
  let client: PipelineClient;
  let engine: WorkerProcess;
  let trainer: WorkerProcess;
  let registry: AdapterRegistry;
  let judge: JudgeEmulator;

  beforeAll(async () => {
    judge = await JudgeEmulator.start("Сайга");
    client = new PipelineClient(REDIS_URL);
    registry = new AdapterRegistry(
      new AdapterStore({ redis: client.redis, keys: client.keys }),
      path.join(work, "ops"),
    );
    engine = await startWorker(REDIS_URL, client.prefix, {
      ...common,
      SAIGA_TRAINING_ADAPTERS_DIR: path.join(work, "engine-adapters"),
    });
    trainer = await startWorker(
      REDIS_URL,
      client.prefix,
      {
        ...common,
        SAIGA_TRAINING_ADAPTERS_DIR: path.join(work, "trainer-adapters"),
        SAIGA_TRAINING_SCHEDULE: "*/2 * * * * *",
        SAIGA_TRAINING_MIN_NEW_FEEDBACK: "8",
        SAIGA_TRAINING_LOSS: "sft",
        // No hyperparameters: the trainer's defaults (saiga_trainer/defaults.py) must learn.
        SAIGA_TRAINING_VALIDATION_SHARE: "0.3",
        SAIGA_TRAINING_DEVICE: "cpu",
        SAIGA_TRAINING_THREADS: "1",
        SAIGA_MODEL_THREADS: "1",
        SAIGA_TRAINING_GATE_JUDGE_URL: judge.baseUrl,
        SAIGA_TRAINING_GATE_JUDGE_MODEL: "judge-test",
        SAIGA_TRAINING_GATE_JUDGE_PROMPTS: "3",
      },
      "trainer",
      "trainer serving training jobs",
    );
  });
  afterAll(async () => {
    await Promise.all([engine?.stop(), trainer?.stop()]);
    await client?.close();
    await judge?.close();
  });

  /** The engine's greedy answer to a fresh chat. */
  async function ask(question: string, chatId = `loop-${Math.random()}`): Promise<string> {
    const { requestId } = await client.queue.enqueue(chatId, { text: question });
    return (await client.answer(requestId)).text;
  }

  it("trains on the feedback, activates the adapter on the engine, and rolls back", async () => {
    const question = "Как тебя зовут?";
    const before = await ask(question);
    expect(before).not.toBe(PHRASE);

    // What the bot would have stored: 👍 on the phrase, 👎 on other answers, for many prompts.
    await recordNameFeedback(new FeedbackStore({ redis: client.redis, keys: client.keys }));

    // The schedule picks it up; the gate passes; the registry activates it everywhere.
    const version = await waitUntil(() => registry.active(), 150_000, "an active adapter").catch(
      async (error: Error) => {
        // Say why: the candidates' gate verdicts and the trainer's last log lines.
        const candidates = (await registry.list()).map((m) => ({ version: m.version, gate: m.gate }));
        const log = trainer.log().trim().split("\n").slice(-5).join("\n");
        throw new Error(`${error.message}; candidates ${JSON.stringify(candidates)}; trainer log:\n${log}`);
      },
    );
    const manifest = (await registry.list()).find((m) => m.version === version)!;
    expect(manifest.status).toBe("active");
    expect(manifest.gate?.passed).toBe(true);
    expect(manifest.dataset?.train).toBeGreaterThan(0);
    expect(manifest.baseModel.file).toBe("saiga-demo.gguf");
    // The side-by-side judge saw the validation prompts and preferred the candidate's answers.
    const judged = Math.min(3, manifest.dataset!.validation);
    expect(judge.asked).toHaveLength(judged);
    // The same side-by-side code as `saiga eval sbs`: scores, wins-draws-losses, win rate.
    expect(manifest.gate?.judge).toMatchObject({
      model: "judge-test",
      wins: judged,
      draws: 0,
      losses: 0,
      unparsed: 0,
      failed: 0,
      winRate: 1,
    });
    expect(describeAdapter(manifest)).toContain(`judge ${judged}-0-0 (win rate 1.00)`);

    // The engine fetched the bytes through Redis (its own folder) and swapped.
    await waitUntil(
      async () => engine.log().includes(`${version}.gguf`) && engine.log().includes("adapter swapped"),
      30_000,
      "the swap",
    );
    const fetched = path.join(work, "engine-adapters", version, `${version}.gguf`);
    expect(sha256(readFileSync(fetched))).toBe(manifest.sha256);
    expect(await ask(question)).toBe(PHRASE);

    // An answer in flight during a rollback finishes on the adapter it started with.
    const chatId = "in-flight";
    await client.store.updateSettings(chatId, { maxTokens: 400, temperature: 0.8 });
    const { requestId } = await client.queue.enqueue(chatId, { text: "Расскажи длинную историю" });
    const reader = client.redis.duplicate();
    const stream = readTokenStream(reader, client.keys, requestId);
    expect((await stream.next()).value).toMatchObject({ type: "delta" });
    expect(await registry.rollback()).toBeNull(); // back to the bare model
    let ended: { text: string; error?: unknown } | undefined;
    for await (const entry of stream) if (entry.type === "end") ended = entry;
    await reader.quit();
    expect(ended?.error).toBeUndefined();
    expect(ended?.text.length).toBeGreaterThan(0);
    const record = await new GenerationRecords({
      redis: client.redis,
      keys: client.keys,
      ttlSeconds: 60,
    }).get(requestId);
    expect(record?.adapter).toBe(version);

    await waitUntil(async () => (await ask(question)) === before, 10_000, "the old behaviour");
    expect(trainer.log()).toContain("training finished");
  }, 240_000);

  it("`saiga train --now` queues a training for the trainer, and `--cancel` stops it", async () => {
    const env = { REDIS_URL, SAIGA_REDIS_PREFIX: client.prefix, LOG_LEVEL: "silent" };
    const queued = await runSaiga(["train", "--now"], env);
    expect(queued.code, queued.stderr).toBe(0);
    const jobId = /job (\S+)/.exec(queued.stdout)![1]!;
    const training = new TrainingQueue(client.redis, client.keys);
    await waitUntil(
      async () => (await training.queue.getJobState(jobId)) === "active",
      20_000,
      "the trainer",
    );
    const cancelled = await runSaiga(["train", "--cancel", jobId], env);
    expect(cancelled.stdout).toContain(`training ${jobId} cancelled`);
    await waitUntil(async () => (await training.queue.getJobState(jobId)) === "failed", 20_000, "the stop");
    expect((await training.queue.getJob(jobId))?.failedReason).toBe("training cancelled");
    await training.close();
  });
});
