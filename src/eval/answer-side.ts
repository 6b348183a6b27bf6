// A side of a side-by-side evaluation: whoever answers the tasks. The local engine (the bare model
// or an adapter, engine-side.ts) and any OpenAI-compatible endpoint (endpoint-side.ts) are sides
// alike, so `saiga eval answers` treats them the same.
import type { ChatMessage } from "../engine/index.js";

/** How a side samples its answers; the same for every task of a run. */
export interface AnswerSampling {
  /** 0 is greedy decoding (the default of `saiga eval answers`). */
  temperature: number;
  /** Longest answer in tokens. Default: the engine's `generation.maxTokens`; an endpoint's own default. */
  maxTokens?: number;
  /** Random seed, for sampling at a temperature above 0. Default: none. */
  seed?: number;
}

/** Who answers, as written into each answer record (the side's label is the run's, see eval-answers.ts). */
export interface AnswerSideInfo {
  /** The model that answers (a GGUF file name or an endpoint's model). */
  model: string;
  /** The adapter version or file applied; null for the bare model; undefined for an endpoint. */
  adapter?: string | null;
}

/** One side: answers a conversation, a few at a time. */
export interface AnswerSide {
  readonly info: AnswerSideInfo;
  /** How many answers it works on at once (the engine's sequences, or the endpoint's concurrency). */
  readonly concurrency: number;
  /** The answer to `messages`. */
  answer(messages: readonly ChatMessage[], sampling: AnswerSampling, signal?: AbortSignal): Promise<string>;
}
