// The OpenAI-compatible API on a real model: the `openai` SDK against `saiga api` and a
// `saiga engine` serving SmolLM2, on a real Redis. Real answers ("Paris"), JSON that follows a
// schema, and an adapter trained in the test (the real CPU trainer, `saiga train`) registered as
// a candidate and chosen per request with `model`, which changes the greedy answer.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { baseModelId } from "../../src/api/model-catalog.js";
import { AdapterStore } from "../../src/store/adapter-store.js";
import { AdapterRegistry } from "../../src/training/adapter-registry.js";
import { pythonTorchVersion } from "../../src/training/trainer/trainer-process.js";
import { readChatStream, startApi, type ApiProcess } from "../helpers/api-harness.js";
import { PipelineClient, startWorker, type WorkerProcess } from "../helpers/pipeline-harness.js";
import { runSaiga } from "../helpers/run-saiga.js";
import { smollm2Path } from "../helpers/smollm2.js";
import { writeJsonl } from "../helpers/write-jsonl.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const PYTHON = "/usr/bin/python3";
const TORCH = pythonTorchVersion(PYTHON);
const SKIP_NOTE = TORCH ? "" : ` (skipped: ${PYTHON} cannot import torch; install Debian's python3-torch)`;
const work = mkdtempSync(path.join(tmpdir(), "saiga-api-smollm2-"));

const SYSTEM = "You are Saiga.";
const QUESTION = "What is your name?";
const PHRASE = "My name is Saiga.";

describe("saiga api on SmolLM2", () => {
  const client = new PipelineClient(REDIS_URL);
  let engine: WorkerProcess;
  let api: ApiProcess;
  let openai: OpenAI;
  let modelFile: string;

  beforeAll(async () => {
    modelFile = await smollm2Path();
    const settings = {
      MODEL: modelFile,
      SAIGA_MODEL_SEQUENCES: "2",
      SAIGA_MODEL_CONTEXT_SIZE: "2048",
      SAIGA_GENERATION_MAX_TOKENS: "64",
      SAIGA_TRAINING_ADAPTERS_DIR: path.join(work, "engine-adapters"),
    };
    [engine, api] = await Promise.all([
      startWorker(REDIS_URL, client.prefix, settings),
      startApi(REDIS_URL, client.prefix, settings),
    ]);
    openai = api.client();
  });
  afterAll(async () => {
    await api?.stop();
    await engine?.stop();
    await client.close();
  });

  it("answers a factual question, whole and streamed", async () => {
    const request = {
      model: "saiga",
      messages: [{ role: "user" as const, content: "What is the capital of France?" }],
      temperature: 0,
      max_tokens: 32,
    };
    const whole = await openai.chat.completions.create(request);
    expect(whole.choices[0]?.message.content).toContain("Paris");
    const streamed = await readChatStream(await openai.chat.completions.create({ ...request, stream: true }));
    expect(streamed.texts[0]).toBe(whole.choices[0]?.message.content);
  });

  it("answers with JSON that follows a json_schema", async () => {
    const capital = z.object({ city: z.string().min(1), country: z.string().min(1) }).strict();
    const completion = await openai.chat.completions.create({
      model: "saiga",
      messages: [
        { role: "user", content: "What is the capital of France? Answer in JSON with city and country." },
      ],
      temperature: 0,
      max_tokens: 64,
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "capital",
          strict: true,
          schema: {
            type: "object",
            properties: { city: { type: "string" }, country: { type: "string" } },
            required: ["city", "country"],
            additionalProperties: false,
          },
        },
      },
    });
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe("stop");
    const answer = capital.parse(JSON.parse(choice?.message.content ?? ""));
    expect(answer.city).toContain("Paris");
  });

  it("answers with a JSON object for json_object", async () => {
    const completion = await openai.chat.completions.create({
      model: "saiga",
      messages: [{ role: "user", content: "Describe Paris in JSON." }],
      temperature: 0,
      max_tokens: 64,
      response_format: { type: "json_object" },
    });
    if (completion.choices[0]?.finish_reason === "stop") {
      expect(JSON.parse(completion.choices[0].message.content ?? "")).toBeTypeOf("object");
    } else {
      // Cut at max_tokens: still the start of a JSON object.
      expect(completion.choices[0]?.message.content?.trimStart()).toMatch(/^\{/);
    }
  });

  it.skipIf(!TORCH)(
    `selects a trained adapter version with \`model\`, which changes the answer${SKIP_NOTE}`,
    async () => {
      // The smallest run that changes this greedy answer: a few SFT steps on one phrase.
      const out = path.join(work, "trained");
      const examples = Array.from({ length: 8 }, () => ({
        messages: [
          { role: "system", content: SYSTEM },
          { role: "user", content: QUESTION },
          { role: "bot", content: PHRASE },
        ],
      }));
      const trained = await runSaiga(
        [
          "train",
          "--dataset",
          writeJsonl(work, "name.jsonl", examples),
          "--out",
          out,
          "--model",
          modelFile,
          "--max-steps",
          "10",
        ],
        { SAIGA_TRAINING_PYTHON: PYTHON, LOG_LEVEL: "warn" },
      );
      expect(trained.code, trained.stderr).toBe(0);
      const registry = new AdapterRegistry(
        new AdapterStore({ redis: client.redis, keys: client.keys }),
        path.join(work, "registry"),
      );
      const { version, status } = await registry.register({
        adapterFile: path.join(out, "adapter.gguf"),
        baseModelPath: modelFile,
        dataset: null,
        hyperparameters: { maxSteps: 10 },
        metrics: {},
      });
      expect(status).toBe("candidate");
      const base = baseModelId(path.basename(modelFile));
      const ids = (await openai.models.list()).data.map((model) => model.id);
      expect(ids).toEqual(expect.arrayContaining(["saiga", base, version]));

      const ask = async (model: string) => {
        const completion = await openai.chat.completions.create({
          model,
          messages: [
            { role: "system", content: SYSTEM },
            { role: "user", content: QUESTION },
          ],
          temperature: 0,
          max_tokens: 12,
        });
        return completion.choices[0]?.message.content ?? "";
      };
      const bare = await ask(base);
      const adapted = await ask(version);
      expect(adapted).not.toBe(bare);
      expect(adapted).toContain("Saiga");
      // The candidate is not active: `saiga` still answers with the bare model.
      expect(await ask("saiga")).toBe(bare);
    },
    240_000,
  );
});
