// The walkthrough of docs/EVALUATION.md on real components, command by command with the built CLI:
// self-instruct a training set, train an adapter on SmolLM2 (the real CPU trainer), register it,
// answer shipped tasks with the base model and the adapter (through the local engine, and the
// adapter also through `saiga api` + `saiga engine` on a real Redis), compare the two sides with a
// judge, and activate the adapter.
//
// The teacher and the judge are tests/helpers/scripted-openai.ts, a real HTTP server speaking the
// OpenAI chat API with scripted replies: they stand in because no real teacher or judge model is
// reachable from the tests. The teacher ends every answer with a marker word, so training on its
// answers teaches the model to say it; the judge prefers the answer that has the marker.
//
// The rest of the loop — retraining from the bot's feedback, with the gate's side-by-side on
// held-out feedback prompts — is covered by tests/training-loop.test.ts.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerRecordSchema, type AnswerRecord } from "../../src/eval/answer-record.js";
import type { SideBySideResult } from "../../src/eval/sbs/run-side-by-side.js";
import { readTasks } from "../../src/eval/task-file.js";
import { readJsonLines } from "../../src/files/json-lines.js";
import { readSaigaJsonl } from "../../src/training/index.js";
import { pythonTorchVersion } from "../../src/training/trainer/trainer-process.js";
import { startApi, type ApiProcess } from "../helpers/api-harness.js";
import { PipelineClient, startWorker, type WorkerProcess } from "../helpers/pipeline-harness.js";
import { PROJECT_ROOT, runSaiga } from "../helpers/run-saiga.js";
import { ScriptedOpenAI, type ScriptedRequest } from "../helpers/scripted-openai.js";
import { smollm2Path } from "../helpers/smollm2.js";
import { writeJsonl } from "../helpers/write-jsonl.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const PYTHON = "/usr/bin/python3";
const TORCH = pythonTorchVersion(PYTHON);
const SKIP_NOTE = TORCH ? "" : ` (skipped: ${PYTHON} cannot import torch; install Debian's python3-torch)`;
const work = mkdtempSync(path.join(tmpdir(), "saiga-evaluation-walkthrough-"));

/** The word the teacher's answers carry, which the base model never says (nor the system prompt). */
const MARKER = "Марципан";
const TEACHER_ANSWER = `${MARKER}! ${MARKER}!`;
const EXAMPLES = 8;
/** A few shipped tasks of different kinds, with and without an input. */
const TASK_IDS = ["facts-02", "reasoning-06", "rewriting-05", "code-04"];

/** New tasks the teacher proposes: unlike the seeds and each other, none blacklisted. */
const NEW_TASKS = [
  "Посоветуй, как приучить кота к когтеточке.",
  "Объясни разницу между вирусом и бактерией.",
  "Сочини загадку про зимний лес.",
  "Перечисли преимущества езды на велосипеде по городу.",
  "Как правильно заварить зелёный чай?",
  "Придумай имя для щенка таксы.",
  "Расскажи, зачем нужна прививка от гриппа.",
  "Предложи план уборки квартиры за один час.",
  "Составь короткое поздравление коллеге с повышением.",
  "Чем отличается погода от климата?",
];

const isBatchRequest = (request: ScriptedRequest) =>
  request.messages.at(-1)!.content.includes("Формат каждого задания");

/** A judge that scores the answer with the marker 9 and the other 3, and 6 each when neither or both have it. */
function judgeVerdict(request: ScriptedRequest): string {
  const prompt = request.messages.at(-1)!.content;
  const first = /<answer_a>\n([\s\S]*?)\n<\/answer_a>/.exec(prompt)![1]!;
  const second = /<answer_b>\n([\s\S]*?)\n<\/answer_b>/.exec(prompt)![1]!;
  const score = (answer: string, other: string) =>
    answer.includes(MARKER) === other.includes(MARKER) ? 6 : answer.includes(MARKER) ? 9 : 3;
  const verdict = {
    explanation: "Сравниваю ответы.",
    score_a: score(first, second),
    score_b: score(second, first),
  };
  return "Объяснение: один ответ лучше.\n```json\n" + JSON.stringify(verdict) + "\n```";
}

async function readAnswers(file: string): Promise<Map<string, AnswerRecord>> {
  const records = await readJsonLines(file, answerRecordSchema);
  return new Map(records.map((record) => [record.id, record]));
}

describe.skipIf(!TORCH)(`the evaluation walkthrough on SmolLM2${SKIP_NOTE}`, () => {
  const client = new PipelineClient(REDIS_URL);
  let teacher: ScriptedOpenAI;
  let judge: ScriptedOpenAI;
  let engine: WorkerProcess;
  let api: ApiProcess;
  /** The settings every `saiga` command of the walkthrough runs with. */
  let env: Record<string, string>;
  let tasksFile: string;
  const dataset = path.join(work, "self-instruct.jsonl");
  const trained = path.join(work, "trained");
  const answers = {
    base: path.join(work, "answers-base.jsonl"),
    adapter: path.join(work, "answers-adapter.jsonl"),
    adapterViaApi: path.join(work, "answers-adapter-api.jsonl"),
  };
  const sbsDir = path.join(work, "sbs");
  let version: string;

  beforeAll(async () => {
    teacher = await ScriptedOpenAI.start((request) => ({
      content: isBatchRequest(request)
        ? NEW_TASKS.map((task, i) => `${i + 1}. ${task}`).join("\n")
        : TEACHER_ANSWER,
    }));
    judge = await ScriptedOpenAI.start((request) => ({ content: judgeVerdict(request) }));
    const model = await smollm2Path();
    // One sequence and one thread: each prompt is evaluated alone, so the local engine and the
    // api's engine make the same greedy choices.
    const modelSettings = {
      MODEL: model,
      SAIGA_MODEL_SEQUENCES: "1",
      SAIGA_MODEL_THREADS: "1",
      SAIGA_MODEL_CONTEXT_SIZE: "2048",
    };
    env = {
      ...modelSettings,
      REDIS_URL,
      SAIGA_REDIS_PREFIX: client.prefix,
      SAIGA_TRAINING_ADAPTERS_DIR: path.join(work, "adapters"),
      SAIGA_TRAINING_PYTHON: PYTHON,
      LOG_LEVEL: "warn",
    };
    const shipped = await readTasks(path.join(PROJECT_ROOT, "data/eval/tasks-ru.jsonl"));
    tasksFile = writeJsonl(
      work,
      "tasks.jsonl",
      TASK_IDS.map((id) => shipped.find((task) => task.id === id)!),
    );
    // The engine behind `saiga api` has an adapters folder of its own: it gets the adapter's
    // bytes from Redis, as an engine on another machine would.
    const serving = { ...modelSettings, SAIGA_TRAINING_ADAPTERS_DIR: path.join(work, "engine-adapters") };
    [engine, api] = await Promise.all([
      startWorker(REDIS_URL, client.prefix, serving),
      startApi(REDIS_URL, client.prefix, serving),
    ]);
  });
  afterAll(async () => {
    await api?.stop();
    await engine?.stop();
    await teacher?.close();
    await judge?.close();
    await client.close();
  });

  it("self-instructs a training set with the teacher", async () => {
    const run = await runSaiga(
      [
        ...["data", "self-instruct", "--teacher-url", teacher.baseUrl, "--teacher-model", "teacher-test"],
        ...["--out", dataset, "--count", String(EXAMPLES), "--json"],
      ],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ kept: EXAMPLES, complete: true });
    const examples = await readSaigaJsonl(dataset);
    expect(examples).toHaveLength(EXAMPLES);
    for (const example of examples)
      expect(example.messages.at(-1)).toEqual({ role: "bot", content: TEACHER_ANSWER });
  });

  it("trains an adapter on it and registers it as a candidate version", async () => {
    // Ten SFT steps make SmolLM2 say the marker on every task (five were not always enough).
    const train = await runSaiga(["train", "--dataset", dataset, "--out", trained, "--max-steps", "10"], env);
    expect(train.code, train.stderr).toBe(0);
    expect(existsSync(path.join(trained, "adapter.gguf"))).toBe(true);

    const add = await runSaiga(["adapters", "add", trained, "--json"], env);
    expect(add.code, add.stderr).toBe(0);
    const manifest = JSON.parse(add.stdout) as { version: string; status: string };
    expect(manifest.status).toBe("candidate");
    version = manifest.version;
  }, 120_000);

  it("answers the tasks with the base model and with the adapter, locally and through saiga api", async () => {
    const common = ["eval", "answers", "--tasks", tasksFile, "--max-tokens", "24"];
    // One after the other: the local engine and the api's engine share the machine's cores.
    const base = await runSaiga([...common, "--out", answers.base, "--base"], env);
    expect(base.code, base.stderr).toBe(0);
    const adapter = await runSaiga([...common, "--out", answers.adapter, "--adapter", version], env);
    expect(adapter.code, adapter.stderr).toBe(0);
    const viaApi = await runSaiga(
      [...common, "--out", answers.adapterViaApi, "--endpoint", `${api.url}/v1`, "--endpoint-model", version],
      { LOG_LEVEL: "warn" },
    );
    expect(viaApi.code, viaApi.stderr).toBe(0);

    const baseAnswers = await readAnswers(answers.base);
    const adapterAnswers = await readAnswers(answers.adapter);
    const apiAnswers = await readAnswers(answers.adapterViaApi);
    expect([...baseAnswers.keys()].sort()).toEqual([...TASK_IDS].sort());
    for (const id of TASK_IDS) {
      expect(baseAnswers.get(id)).toMatchObject({ side: "base", adapter: null });
      expect(adapterAnswers.get(id)).toMatchObject({ side: version });
      expect(apiAnswers.get(id)).toMatchObject({ side: version, model: version });
      expect(baseAnswers.get(id)!.answer, id).not.toContain(MARKER);
      expect(adapterAnswers.get(id)!.answer, id).toContain(MARKER);
      // The same adapter on the same engine settings: the same greedy answer on both paths.
      expect(apiAnswers.get(id)!.answer, id).toBe(adapterAnswers.get(id)!.answer);
    }
  }, 120_000);

  it("the judge prefers the adapter, and a rerun takes every verdict from the cache", async () => {
    const sbs = (out: string) =>
      runSaiga(
        [
          ...["eval", "sbs", "--a", answers.adapter, "--b", answers.base],
          ...["--judge-url", judge.baseUrl, "--judge-model", "judge-test", "--out", out],
        ],
        { LOG_LEVEL: "warn" },
      );
    const first = await sbs(sbsDir);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`${version} vs base: 4-0-0 (wins-draws-losses) over 4 tasks`);
    expect(judge.requests).toHaveLength(TASK_IDS.length);

    const result = JSON.parse(readFileSync(path.join(sbsDir, "result.json"), "utf8")) as SideBySideResult;
    const { tasks, wins, draws, losses, unparsed, failed } = result.overall;
    expect(wins + draws + losses + unparsed + failed).toBe(tasks);
    expect(tasks).toBe(TASK_IDS.length);
    expect(result.overall).toMatchObject({ wins: TASK_IDS.length, winRate: 1 });
    // Whichever side the coin put first, the verdict is the adapter's win.
    for (const verdict of result.verdicts) expect(verdict.outcome, verdict.id).toBe("win");
    expect(readFileSync(path.join(sbsDir, "report.md"), "utf8")).toContain(version);
    expect(readFileSync(path.join(sbsDir, "chart.svg"), "utf8")).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);

    const rerun = await sbs(sbsDir);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain("judge calls: 0");
    expect(judge.requests).toHaveLength(TASK_IDS.length);
  });

  it("activates the adapter", async () => {
    const activate = await runSaiga(["adapters", "activate", version], env);
    expect(activate.code, activate.stderr).toBe(0);
    const list = await runSaiga(["adapters", "list", "--json"], env);
    expect(list.code, list.stderr).toBe(0);
    const manifests = JSON.parse(list.stdout) as { version: string; status: string }[];
    expect(manifests.find((manifest) => manifest.version === version)?.status).toBe("active");
  });
});
