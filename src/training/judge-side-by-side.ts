// Side-by-side judging, as the Saiga authors compared their models: for validation prompts an
// OpenAI-compatible model (training.gate.judgeUrl / judgeModel) sees the candidate's answer and
// the current one, in a random order per prompt (against position bias), and says which is
// better or that they tie (anything else counts as a tie). The result is reported with the
// gate's verdict; it does not decide it.
import OpenAI from "openai";
import { SeededRandom } from "../gguf/seeded-random.js";
import type { PromptMessage } from "../store/generation-record.js";

/** One prompt with both answers. */
export interface JudgedPair {
  prompt: readonly PromptMessage[];
  candidate: string;
  baseline: string;
}

/** Options of {@link judgeSideBySide}. */
export interface JudgeOptions {
  baseUrl: string;
  model: string;
  apiKey: string;
  signal?: AbortSignal;
}

/** Wins, draws and losses of the candidate. */
export interface JudgeScore {
  model: string;
  wins: number;
  draws: number;
  losses: number;
}

const INSTRUCTIONS =
  "You compare two answers of a Russian-speaking assistant to the same conversation. Judge helpfulness, " +
  "correctness and language. Reply with exactly one word: A if answer A is better, B if answer B is " +
  "better, tie if they are equally good.";

/** Asks the judge about every pair. */
export async function judgeSideBySide(
  pairs: readonly JudgedPair[],
  options: JudgeOptions,
): Promise<JudgeScore> {
  const client = new OpenAI({ baseURL: options.baseUrl, apiKey: options.apiKey || "none", maxRetries: 3 });
  const random = new SeededRandom(2024);
  const score: JudgeScore = { model: options.model, wins: 0, draws: 0, losses: 0 };
  for (const pair of pairs) {
    const candidateFirst = random.next() < 0.5;
    const [a, b] = candidateFirst ? [pair.candidate, pair.baseline] : [pair.baseline, pair.candidate];
    const conversation = pair.prompt.map((m) => `${m.role}: ${m.content}`).join("\n");
    const completion = await client.chat.completions.create(
      {
        model: options.model,
        temperature: 0,
        messages: [
          { role: "system", content: INSTRUCTIONS },
          { role: "user", content: `Conversation:\n${conversation}\n\nAnswer A:\n${a}\n\nAnswer B:\n${b}` },
        ],
      },
      options.signal ? { signal: options.signal } : {},
    );
    const verdict = (completion.choices[0]?.message.content ?? "").trim().toLowerCase();
    if (verdict.startsWith("tie") || (!verdict.startsWith("a") && !verdict.startsWith("b"))) score.draws++;
    else if (verdict.startsWith("a") === candidateFirst) score.wins++;
    else score.losses++;
  }
  return score;
}
