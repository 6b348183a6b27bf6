// `saiga eval answers` on a real model: SmolLM2 answers a few tasks of the shipped Russian set
// through the local engine (--base) and through `saiga api` + `saiga engine` on a real Redis
// (--endpoint). Same model, same prompt, greedy decoding and the same defaults (the api's engine
// reads the same configuration), so both paths must give the very same text for each task: that
// is what makes an endpoint side comparable with a local one. (SmolLM2-135M knows little Russian,
// so the answers are poor; their quality is the judge's business, not this test's.)
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerRecordSchema, type AnswerRecord } from "../../src/eval/answer-record.js";
import { readTasks } from "../../src/eval/task-file.js";
import { startApi, type ApiProcess } from "../helpers/api-harness.js";
import { PipelineClient, startWorker, type WorkerProcess } from "../helpers/pipeline-harness.js";
import { PROJECT_ROOT, runSaiga } from "../helpers/run-saiga.js";
import { smollm2Path } from "../helpers/smollm2.js";
import { writeJsonl } from "../helpers/write-jsonl.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const work = mkdtempSync(path.join(tmpdir(), "saiga-eval-answers-smollm2-"));
/** A few shipped tasks of different kinds, with and without an input. */
const TASK_IDS = ["facts-02", "reasoning-06", "rewriting-05", "code-04"];
const MAX_TOKENS = "48";

function readRecords(file: string): Map<string, AnswerRecord> {
  const records = readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((line) => answerRecordSchema.parse(JSON.parse(line)));
  return new Map(records.map((record) => [record.id, record]));
}

describe("saiga eval answers on SmolLM2: the local engine and saiga api agree", () => {
  const client = new PipelineClient(REDIS_URL);
  let engine: WorkerProcess;
  let api: ApiProcess;
  let settings: Record<string, string>;
  let tasksFile: string;

  beforeAll(async () => {
    // One sequence on both paths: the prompts are evaluated alone, never batched with another
    // task's, so the arithmetic (and the greedy choice) is the same on both.
    settings = {
      MODEL: await smollm2Path(),
      SAIGA_MODEL_SEQUENCES: "1",
      SAIGA_MODEL_CONTEXT_SIZE: "2048",
      SAIGA_MODEL_THREADS: "1",
      SAIGA_TRAINING_ADAPTERS_DIR: path.join(work, "engine-adapters"),
    };
    const shipped = await readTasks(path.join(PROJECT_ROOT, "data/eval/tasks-ru.jsonl"));
    tasksFile = writeJsonl(
      work,
      "tasks.jsonl",
      TASK_IDS.map((id) => shipped.find((task) => task.id === id)!),
    );
    [engine, api] = await Promise.all([
      startWorker(REDIS_URL, client.prefix, settings),
      startApi(REDIS_URL, client.prefix, settings),
    ]);
  });
  afterAll(async () => {
    await api?.stop();
    await engine?.stop();
    await client.close();
  });

  it("gives the same greedy answer to each task on both paths", async () => {
    const local = path.join(work, "local.jsonl");
    const viaApi = path.join(work, "api.jsonl");
    const common = [
      "eval",
      "answers",
      "--tasks",
      tasksFile,
      "--max-tokens",
      MAX_TOKENS,
      "--concurrency",
      "1",
    ];
    const [localRun, apiRun] = await Promise.all([
      runSaiga([...common, "--out", local, "--base"], { ...settings, LOG_LEVEL: "warn" }),
      runSaiga([...common, "--out", viaApi, "--endpoint", `${api.url}/v1`, "--endpoint-model", "saiga"], {
        LOG_LEVEL: "warn",
      }),
    ]);
    expect(localRun.code, localRun.stderr).toBe(0);
    expect(apiRun.code, apiRun.stderr).toBe(0);
    const localAnswers = readRecords(local);
    const apiAnswers = readRecords(viaApi);
    expect([...localAnswers.keys()].sort()).toEqual([...TASK_IDS].sort());
    for (const id of TASK_IDS) {
      const answer = localAnswers.get(id);
      expect(answer).toMatchObject({ side: "base", model: "SmolLM2-135M-Instruct.Q4_1.gguf", adapter: null });
      expect(answer?.answer.trim().length, id).toBeGreaterThan(0);
      expect(apiAnswers.get(id)).toMatchObject({ side: "saiga", model: "saiga" });
      expect(apiAnswers.get(id)?.answer, id).toBe(answer?.answer);
    }
  }, 180_000);
});
