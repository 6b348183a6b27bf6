// `saiga eval answers` as an operator runs it: the real command (a child process) on the demo
// model through the local engine, and through a real `saiga api` + `saiga engine` on a real Redis
// as an OpenAI-compatible endpoint side. The demo model's text is gibberish by construction, so
// these tests check records, counts and resuming; real answers are in
// tests/real-model/eval-answers-smollm2.test.ts.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerRecordSchema, type AnswerRecord } from "../src/eval/answer-record.js";
import { AdapterStore } from "../src/store/adapter-store.js";
import { AdapterRegistry } from "../src/training/adapter-registry.js";
import { readTasks } from "../src/eval/task-file.js";
import { taskMessages } from "../src/eval/task-prompt.js";
import { startApi, type ApiProcess } from "./helpers/api-harness.js";
import { PipelineClient, startWorker, type WorkerProcess } from "./helpers/pipeline-harness.js";
import { writeRandomAdapter } from "./helpers/random-lora-adapter.js";
import { PROJECT_ROOT, runSaiga } from "./helpers/run-saiga.js";
import { demoModelPath } from "./helpers/test-engine.js";
import { writeJsonl } from "./helpers/write-jsonl.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const SHIPPED = path.join(PROJECT_ROOT, "data/eval/tasks-ru.jsonl");
const work = mkdtempSync(path.join(tmpdir(), "saiga-eval-answers-"));

/** The local engine small and quick: answers of a few tokens on the demo model. */
const DEMO_ENV = {
  MODEL: "demo",
  SAIGA_MODEL_THREADS: "1",
  SAIGA_MODEL_SEQUENCES: "2",
  SAIGA_MODEL_CONTEXT_SIZE: "1024",
  LOG_LEVEL: "warn",
};

const TASKS = [
  { id: "t-1", category: "facts", instruction: "Какая река самая длинная в Европе?" },
  { id: "t-2", category: "code", instruction: "Объясни код.", input: "print(1 + 1)" },
  { id: "t-3", instruction: "Скажи привет." },
  { id: "t-4", category: "rewriting", instruction: "Переведи на английский.", input: "Доброе утро!" },
  { id: "t-5", category: "facts", instruction: "Сколько дней в високосном году?" },
];

/** `saiga eval answers` of `tasks` into `out` with the side's options. */
function answersOf(tasks: string, out: string, ...side: string[]): string[] {
  return ["eval", "answers", "--tasks", tasks, "--out", out, ...side];
}

function readRecords(file: string): AnswerRecord[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => answerRecordSchema.parse(JSON.parse(line)));
}

describe("the shipped Russian task set", () => {
  it("parses: about 60 tasks over the 8 categories, unique ids named after their category", async () => {
    const tasks = await readTasks(SHIPPED);
    expect(tasks.length).toBeGreaterThanOrEqual(55);
    expect(tasks.length).toBeLessThanOrEqual(70);
    expect(new Set(tasks.map((task) => task.id)).size).toBe(tasks.length);
    const categories = new Set(tasks.map((task) => task.category));
    expect([...categories].sort()).toEqual(
      ["advice", "code", "conversation", "extraction", "facts", "reasoning", "rewriting", "writing"].sort(),
    );
    for (const task of tasks) {
      expect(task.id).toMatch(new RegExp(`^${task.category}-\\d{2}$`));
      expect(task.instruction).toMatch(/[а-яё]/i);
    }
    for (const category of categories) {
      expect(tasks.filter((task) => task.category === category).length).toBeGreaterThanOrEqual(6);
    }
    expect(tasks.filter((task) => task.input).length).toBeGreaterThanOrEqual(15);
  });

  it("gives every side the Saiga prompt: the system prompt, then the instruction and the input after a blank line", () => {
    expect(taskMessages({ instruction: "Переведи.", input: "Привет" }, "Ты — Сайга.")).toEqual([
      { role: "system", content: "Ты — Сайга." },
      { role: "user", content: "Переведи.\n\nПривет" },
    ]);
    expect(taskMessages({ instruction: "Скажи привет." }, "")).toEqual([
      { role: "user", content: "Скажи привет." },
    ]);
  });
});

describe("saiga eval answers on the local engine (demo model)", () => {
  const tasksFile = writeJsonl(work, "tasks.jsonl", TASKS);
  const out = path.join(work, "answers", "base.jsonl");

  it("writes one answer record per task, with the side, the model and the task's fields", async () => {
    const run = await runSaiga(answersOf(tasksFile, out, "--base", "--max-tokens", "8"), DEMO_ENV);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("answered 5, already done 0, failed 0: 5 of 5 tasks");
    const records = readRecords(out);
    expect(records.map((record) => record.id).sort()).toEqual(TASKS.map((task) => task.id));
    for (const task of TASKS) {
      const record = records.find((r) => r.id === task.id);
      expect(record).toMatchObject({ ...task, side: "base", adapter: null });
      expect(record?.model).toMatch(/\.gguf$/);
      expect(record?.answer.length).toBeGreaterThan(0);
    }
  });

  it("resumes: a rerun answers only the tasks missing from the output and keeps the others as they were", async () => {
    const lines = readFileSync(out, "utf8").trim().split("\n");
    const kept = lines.filter((line) => !/"id":"t-[24]"/.test(line));
    // A killed run's last line, cut off mid-write, does not spoil the next one.
    writeFileSync(out, kept.join("\n") + "\n" + lines[1]!.slice(0, 20));
    const run = await runSaiga(answersOf(tasksFile, out, "--base", "--max-tokens", "8"), DEMO_ENV);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("answered 2, already done 3, failed 0: 5 of 5 tasks");
    const after = readFileSync(out, "utf8").split("\n");
    expect(after.slice(0, kept.length)).toEqual(kept);
    const ids = after.flatMap((line) => {
      try {
        return [answerRecordSchema.parse(JSON.parse(line)).id];
      } catch {
        return [];
      }
    });
    expect(ids.sort()).toEqual(TASKS.map((task) => task.id));

    const again = await runSaiga(answersOf(tasksFile, out, "--base"), DEMO_ENV);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("answered 0, already done 5, failed 0");
  });

  it("refuses to mix two sides in one output file", async () => {
    const run = await runSaiga(answersOf(tasksFile, out, "--base", "--side", "other"), DEMO_ENV);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain('holds answers of side "base", not "other"');
  });
});

describe("saiga eval answers through an OpenAI-compatible endpoint (saiga api, demo model)", () => {
  const client = new PipelineClient(REDIS_URL);
  let engine: WorkerProcess;
  let api: ApiProcess;

  beforeAll(async () => {
    [engine, api] = await Promise.all([
      startWorker(REDIS_URL, client.prefix, {
        SAIGA_TRAINING_ADAPTERS_DIR: path.join(work, "engine-adapters"),
      }),
      startApi(REDIS_URL, client.prefix),
    ]);
  });
  afterAll(async () => {
    await api?.stop();
    await engine?.stop();
    await client.close();
  });

  it("answers every task with requests to the endpoint, the side named after its model", async () => {
    const tasksFile = writeJsonl(work, "endpoint-tasks.jsonl", TASKS);
    const out = path.join(work, "endpoint.jsonl");
    const run = await runSaiga(
      [
        ...answersOf(tasksFile, out, "--endpoint", `${api.url}/v1`, "--endpoint-model", "saiga"),
        ...["--endpoint-key-env", "TEST_ENDPOINT_KEY", "--concurrency", "3", "--max-tokens", "8"],
      ],
      { LOG_LEVEL: "warn", TEST_ENDPOINT_KEY: "unused-without-api-keys" },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("answered 5, already done 0, failed 0: 5 of 5 tasks");
    const records = readRecords(out);
    expect(records.map((record) => record.id).sort()).toEqual(TASKS.map((task) => task.id));
    for (const record of records) {
      expect(record).toMatchObject({ side: "saiga", model: "saiga" });
      expect(record.adapter).toBeUndefined();
      expect(record.answer.length).toBeGreaterThan(0);
    }
  });

  it("reports an endpoint that cannot be reached as failed tasks and one line, leaving them for a rerun", async () => {
    const tasksFile = writeJsonl(work, "unreachable-tasks.jsonl", TASKS.slice(0, 2));
    const out = path.join(work, "unreachable.jsonl");
    const run = await runSaiga(
      [
        ...answersOf(tasksFile, out, "--endpoint", "http://127.0.0.1:9/v1", "--endpoint-model", "saiga"),
        ...["--endpoint-timeout", "2"],
      ],
      { LOG_LEVEL: "silent" },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("answered 0, already done 0, failed 2");
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/2 tasks failed .*run the same command again/);
  });
});

describe("saiga eval answers with an adapter on the local engine (demo model)", () => {
  const client = new PipelineClient(REDIS_URL);
  const registryDir = path.join(work, "registry");
  const adapterFile = path.join(work, "random-adapter.gguf");
  const tasksFile = writeJsonl(work, "adapter-tasks.jsonl", TASKS.slice(0, 2));
  let version: string;

  beforeAll(async () => {
    // Random LoRA weights: they change what the model says.
    await writeRandomAdapter(await demoModelPath(), adapterFile, { stdA: 0.5, stdB: 0.5 });
    const registry = new AdapterRegistry(
      new AdapterStore({ redis: client.redis, keys: client.keys }),
      registryDir,
    );
    const manifest = await registry.register({
      adapterFile,
      baseModelPath: await demoModelPath(),
      dataset: null,
      hyperparameters: {},
      metrics: {},
    });
    version = manifest.version;
  });
  afterAll(() => client.close());

  it("answers with a registered version or a GGUF file, named after it, and the adapter changes the answers", async () => {
    const env = {
      ...DEMO_ENV,
      REDIS_URL,
      SAIGA_REDIS_PREFIX: client.prefix,
      SAIGA_TRAINING_ADAPTERS_DIR: registryDir,
    };
    const outOf = (name: string) => path.join(work, `adapter-${name}.jsonl`);
    const runs = [
      await runSaiga(answersOf(tasksFile, outOf("base"), "--base", "--max-tokens", "8"), env),
      await runSaiga(answersOf(tasksFile, outOf("version"), "--adapter", version, "--max-tokens", "8"), env),
      await runSaiga(answersOf(tasksFile, outOf("file"), "--adapter", adapterFile, "--max-tokens", "8"), env),
    ];
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const [base, byVersion, byFile] = ["base", "version", "file"].map((name) => readRecords(outOf(name)));
    for (const record of byVersion!) expect(record).toMatchObject({ side: version, adapter: version });
    for (const record of byFile!)
      expect(record).toMatchObject({ side: "random-adapter", adapter: "random-adapter" });
    const answers = (records: AnswerRecord[]) => records.map((record) => [record.id, record.answer]).sort();
    expect(answers(byFile!)).toEqual(answers(byVersion!));
    expect(answers(byVersion!)).not.toEqual(answers(base!));
  });

  it("an unknown adapter version is one line that says where to look", async () => {
    const run = await runSaiga(
      answersOf(tasksFile, path.join(work, "unknown.jsonl"), "--adapter", "v-nope"),
      {
        ...DEMO_ENV,
        REDIS_URL,
        SAIGA_REDIS_PREFIX: client.prefix,
      },
    );
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("--adapter v-nope: no such adapter version (see: saiga adapters list)");
  });
});

describe("saiga eval answers: help and errors", () => {
  it("--help describes every option", async () => {
    const run = await runSaiga(["eval", "answers", "--help"]);
    expect(run.code).toBe(0);
    for (const option of [
      "--tasks",
      "--out",
      "--side",
      "--base",
      "--adapter",
      "--endpoint ",
      "--endpoint-model",
      "--endpoint-key-env",
      "--endpoint-timeout",
      "--model",
      "--system",
      "--temperature",
      "--max-tokens",
      "--seed",
      "--limit",
      "--concurrency",
      "data/eval/tasks-ru.jsonl",
      "Resumable",
    ]) {
      expect(run.stdout).toContain(option);
    }
  });

  it("a bad task file is one line naming the file and the line", async () => {
    const bad = path.join(work, "bad-tasks.jsonl");
    writeFileSync(bad, JSON.stringify(TASKS[0]) + "\n" + JSON.stringify({ id: "t-2" }) + "\n");
    const run = await runSaiga(
      ["eval", "answers", "--tasks", bad, "--out", path.join(work, "bad.jsonl"), "--base"],
      DEMO_ENV,
    );
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain(`${bad}:2: instruction`);
  });

  it("a missing or doubled side is a usage error", async () => {
    const none = await runSaiga(["eval", "answers", "--out", path.join(work, "x.jsonl")], DEMO_ENV);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("choose exactly one side");
    const endpointWithoutModel = await runSaiga(
      ["eval", "answers", "--out", path.join(work, "x.jsonl"), "--endpoint", "http://127.0.0.1:1/v1"],
      DEMO_ENV,
    );
    expect(endpointWithoutModel.code).toBe(2);
    expect(endpointWithoutModel.stderr).toContain("--endpoint needs --endpoint-model");
  });
});
