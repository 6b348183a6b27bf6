// The judged part of the gate: the served model answers validation prompts once with the
// candidate adapter and once with what serves now, and the configured judge compares the pairs.
import type { Config } from "../config/index.js";
import { createEngine } from "../engine/create-engine.js";
import type { ChatMessage } from "../engine/chat-message.js";
import type { Logger } from "../log/index.js";
import type { SaigaExample } from "./dataset/saiga-example.js";
import { judgeSideBySide, type JudgeScore } from "./judge-side-by-side.js";

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
export async function judgeCandidate(options: JudgeCandidateOptions): Promise<JudgeScore | null> {
  const { config, log } = options;
  const gate = config.training.gate;
  if (gate.judgeUrl === null || options.examples.length === 0) return null;
  const prompts = options.examples
    .slice(0, gate.judgePrompts)
    .map((example): ChatMessage[] =>
      example.messages
        .slice(0, -1)
        .map((m) => ({ role: m.role === "bot" ? "assistant" : m.role, content: m.content })),
    );
  const engine = await createEngine(config, { ...(log ? { log } : {}), adapterPath: options.candidateFile });
  try {
    // The same seed for both sides: only the adapter differs.
    const sampling = { seed: 1 };
    const answer = async (messages: ChatMessage[]) =>
      (await engine.complete({ messages, sampling }, options.signal)).text;
    const candidate: string[] = [];
    for (const prompt of prompts) candidate.push(await answer(prompt));
    await engine.setAdapter(options.baselineFile);
    const baseline: string[] = [];
    for (const prompt of prompts) baseline.push(await answer(prompt));
    const score = await judgeSideBySide(
      prompts.map((prompt, i) => ({
        prompt,
        candidate: candidate[i] as string,
        baseline: baseline[i] as string,
      })),
      {
        baseUrl: gate.judgeUrl,
        model: gate.judgeModel,
        apiKey: gate.judgeApiKey,
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    log?.info(score, "side-by-side judge");
    return score;
  } finally {
    await engine.close();
  }
}
