// How a generation's result is written in OpenAI's JSON: the parts where chat completions and
// plain completions differ (object names, how a choice holds its text), and the parts they share
// (finish_reason, usage).
import type { StopReason } from "../engine/generation-event.js";
import type { StreamEnd } from "../service/protocol/stream-entry.js";

/** OpenAI's finish reasons that saiga produces. */
export type FinishReason = "stop" | "length";

/** OpenAI's `usage`, with the prompt tokens found in the KV cache as `cached_tokens`. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

/** The differences between `/v1/chat/completions` and `/v1/completions`. */
export interface CompletionShape {
  /** `chatcmpl-` or `cmpl-`, before the request id. */
  idPrefix: string;
  /** `object` of a whole response. */
  object: string;
  /** `object` of a streamed chunk. */
  chunkObject: string;
  /** The prompt's parameter, named in errors about it. */
  promptParam: "messages" | "prompt";
  /** A choice of a whole response. */
  choice(index: number, text: string, finishReason: FinishReason): object;
  /** The first streamed chunk's choice (chat: the assistant role); none for completions. */
  opening?(index: number): object;
  /** A streamed piece of text. */
  delta(index: number, text: string): object;
  /** The streamed end of a choice. */
  finish(index: number, finishReason: FinishReason): object;
}

/** `stop` for the model's end of turn or a stop string, `length` for the token limit or a full context. */
export function finishReasonOf(stopReason: StopReason | undefined): FinishReason {
  return stopReason === "maxTokens" || stopReason === "contextFull" ? "length" : "stop";
}

/**
 * Usage of a request's choices: the prompt counts once (every choice has the same prompt; the
 * first one's numbers are taken), completion tokens add up.
 */
export function usageOf(ends: readonly StreamEnd[]): Usage {
  const first = ends[0]?.stats;
  const prompt = first?.promptTokens ?? 0;
  const completion = ends.reduce((sum, end) => sum + (end.stats?.completionTokens ?? 0), 0);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: first?.reusedPromptTokens ?? 0 },
  };
}
