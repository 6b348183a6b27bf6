// An OpenAI-compatible endpoint as a side: another `saiga api`, llama-server, vLLM or a hosted
// model. The endpoint does the HTTP, retries and backoff (openai-endpoint.ts).
import type { ChatMessage } from "../engine/index.js";
import type { AnswerSampling, AnswerSide, AnswerSideInfo } from "./answer-side.js";
import type { OpenAIEndpoint } from "./openai-endpoint.js";

/** Options of {@link EndpointSide}. */
export interface EndpointSideOptions {
  /** Requests in flight at once. Default: 4. */
  concurrency?: number;
}

/** Answers through an {@link OpenAIEndpoint}. */
export class EndpointSide implements AnswerSide {
  readonly info: AnswerSideInfo;
  readonly concurrency: number;

  constructor(
    private readonly endpoint: OpenAIEndpoint,
    options: EndpointSideOptions = {},
  ) {
    this.info = { model: endpoint.settings.model };
    this.concurrency = options.concurrency ?? 4;
  }

  answer(messages: readonly ChatMessage[], sampling: AnswerSampling, signal?: AbortSignal) {
    return this.endpoint.chat(messages, sampling, signal);
  }
}
