// What a generation yields: text deltas while it runs, then one `end` event with the statistics.

/**
 * Why an answer ended: the model's end of turn (`eos`), one of the request's stop strings
 * (`stop`), the token limit, a full context, or an abort.
 */
export type StopReason = "eos" | "stop" | "maxTokens" | "contextFull" | "aborted";

/** Numbers about one generation. */
export interface GenerationStats {
  /** Tokens in the prompt. */
  promptTokens: number;
  /** Prompt tokens that were already in the sequence's KV cache and not evaluated again. */
  reusedPromptTokens: number;
  /** Tokens generated. */
  completionTokens: number;
  /** From the start of the call (including waiting for a free sequence) to the first token. */
  timeToFirstTokenMs: number;
  /** Completion tokens per second after the first token. */
  tokensPerSecond: number;
  totalMs: number;
  stopReason: StopReason;
  /** Old messages left out to fit the context. */
  droppedMessages: number;
}

/** A piece of answer text. */
export interface DeltaEvent {
  type: "delta";
  text: string;
}

/** The last event: the whole answer and the statistics. */
export interface EndEvent {
  type: "end";
  text: string;
  stats: GenerationStats;
  /** The LoRA adapter this answer was generated with (null: the bare model); adapters can be swapped between answers. */
  adapterPath?: string | null;
}

export type GenerationEvent = DeltaEvent | EndEvent;
