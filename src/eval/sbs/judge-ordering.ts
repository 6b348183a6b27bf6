// Asks the judge about one ordering of two answers, from the cache when it has been asked before.
// A reply without a verdict is asked again (`retries` times); so is a call that failed after the
// endpoint's own backoff (a long 429 storm, a dead server), after a pause. What is still not a
// verdict then is returned as such, for the tally to count — never dropped.
import { setTimeout as sleep } from "node:timers/promises";
import { SaigaError } from "../../errors/saiga-error.js";
import type { OpenAIEndpoint } from "../openai-endpoint.js";
import type { Task } from "../task-file.js";
import { judgePrompt } from "./judge-prompt.js";
import { judgementKey, type JudgementCache } from "./judgement-cache.js";
import { parseVerdict, type Verdict } from "./parse-verdict.js";

/** How one ordering ended. */
export type OrderingJudgement =
  | ({ kind: "verdict"; cached: boolean } & Verdict)
  /** Every reply lacked a verdict; the last one is kept for the report. */
  | { kind: "unparsed"; reply: string }
  /** Every call failed; the last error is kept. */
  | { kind: "failed"; error: string };

export interface JudgeOrderingOptions {
  judge: OpenAIEndpoint;
  cache: JudgementCache;
  /** Further attempts after a reply without a verdict or a failed call. */
  retries: number;
  /** Pause before another attempt after a failed call, doubled each time. */
  failurePauseMs: number;
  maxTokens: number;
  signal?: AbortSignal;
}

export async function judgeOrdering(
  task: Task,
  first: string,
  second: string,
  options: JudgeOrderingOptions,
): Promise<OrderingJudgement> {
  const messages = judgePrompt(task, first, second);
  const key = judgementKey(options.judge.settings.model, messages);
  const cached = options.cache.get(key);
  if (cached) return { kind: "verdict", cached: true, ...cached };

  let last: OrderingJudgement = { kind: "failed", error: "not asked" };
  for (let attempt = 0; attempt <= options.retries; attempt++) {
    let reply: string;
    try {
      reply = await options.judge.chat(
        messages,
        { temperature: 0, maxTokens: options.maxTokens },
        options.signal,
      );
    } catch (error) {
      if (options.signal?.aborted || !(error instanceof SaigaError)) throw error;
      last = { kind: "failed", error: error.message };
      if (attempt < options.retries)
        await sleep(
          options.failurePauseMs * 2 ** attempt,
          undefined,
          options.signal ? { signal: options.signal } : {},
        );
      continue;
    }
    const verdict = parseVerdict(reply);
    if (verdict) {
      await options.cache.put(key, verdict, reply);
      return { kind: "verdict", cached: false, ...verdict };
    }
    last = { kind: "unparsed", reply };
  }
  return last;
}
