// The judged part of the gate: the served model answers held-out prompts from feedback once with
// the candidate adapter and once with what serves now, and the configured judge compares them
// side by side with the same code as `saiga eval sbs` (random order per prompt, scores 1–10,
// retries, wins-draws-losses with a bootstrap interval). It is reported with the gate's verdict.
import type { Config } from "../config/index.js";
import type { ChatMessage } from "../engine/chat-message.js";
import { createEngine } from "../engine/create-engine.js";
import type { AnswerRecord } from "../eval/answer-record.js";
import { OpenAIEndpoint } from "../eval/openai-endpoint.js";
import { runSideBySide } from "../eval/sbs/run-side-by-side.js";
import type { Logger } from "../log/index.js";
import type { JudgeResult } from "../store/adapter-manifest.js";
import type { SaigaExample } from "./dataset/saiga-example.js";

/** Options of {@link judgeCandidate}. */
export interface JudgeCandidateOptions {
  config: Config;
  /** Validation examples; their conversations without the final answer are the prompts. */
  examples: readonly SaigaExample[];
  candidateFile: string;
  /** null: the bare model. */
  baselineFile: string | null;
  log?: Logger;
  signal?: AbortSignal;
}

/** Null when no judge is configured or there are no prompts. */
export async function judgeCandidate(options: JudgeCandidateOptions): Promise<JudgeResult | null> {
  const { config, log, signal } = options;
  const gate = config.training.gate;
  if (gate.judgeUrl === null || options.examples.length === 0) return null;
  const prompts = options.examples
    .slice(0, gate.judgePrompts)
    .map((example): ChatMessage[] =>
      example.messages
        .slice(0, -1)
        .map((m) => ({ role: m.role === "bot" ? "assistant" : m.role, content: m.content })),
    );
  const engine = await createEngine(config, { ...(log ? { log } : {}) });
  let candidate: AnswerRecord[];
  let baseline: AnswerRecord[];
  try {
    // The same seed for both sides: only the adapter differs.
    const answers = async (side: string, adapterPath: string | null) => {
      const records: AnswerRecord[] = [];
      for (const [index, prompt] of prompts.entries()) {
        const { text } = await engine.complete(
          { messages: prompt, adapterPath, sampling: { seed: 1 } },
          signal,
        );
        records.push({ ...taskOf(prompt, index), answer: text, side });
      }
      return records;
    };
    candidate = await answers("candidate", options.candidateFile);
    baseline = await answers("serving", options.baselineFile);
  } finally {
    await engine.close();
  }
  const result = await runSideBySide({
    a: candidate,
    b: baseline,
    judge: new OpenAIEndpoint({ url: gate.judgeUrl, model: gate.judgeModel, apiKey: gate.judgeApiKey }),
    ...(signal ? { signal } : {}),
  });
  const { wins, draws, losses, unparsed, failed, winRate, winRateInterval } = result.overall;
  const judge: JudgeResult = {
    model: gate.judgeModel,
    wins,
    draws,
    losses,
    unparsed,
    failed,
    winRate,
    winRateInterval,
  };
  log?.info(judge, "side-by-side judge");
  return judge;
}

/**
 * A feedback conversation as an evaluation task: its last user message is the instruction and
 * the earlier turns, when there are any, the input the judge reads it in.
 */
function taskOf(prompt: readonly ChatMessage[], index: number): Omit<AnswerRecord, "answer" | "side"> {
  const turns = prompt.filter((message) => message.role !== "system");
  const last = turns.at(-1);
  const earlier = turns.slice(0, -1).map((message) => `${message.role}: ${message.content}`);
  return {
    id: `validation-${index + 1}`,
    instruction: last?.content ?? "",
    ...(earlier.length > 0 ? { input: earlier.join("\n") } : {}),
    category: "feedback",
  };
}
