// Any OpenAI-compatible chat model the evaluation tools talk to: a judge, a teacher, or a side
// being evaluated (another `saiga api`, llama-server, vLLM, a hosted API). The openai SDK does
// the HTTP: it retries 429s and 5xx with backoff (honouring retry-after) and times requests out.
import OpenAI from "openai";
import { z } from "zod";
import { SaigaError } from "../errors/saiga-error.js";

/** Where a model is and how to call it (`--judge-url`, `--teacher-url`, an endpoint side). */
export const endpointSettingsSchema = z.object({
  /** Base URL of the API, e.g. `http://127.0.0.1:8000/v1`. */
  url: z.string().url("expected an OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1"),
  model: z.string().min(1, "expected a model name"),
  /** Bearer key; empty for servers without authentication. Never logged. */
  apiKey: z.string().default(""),
  /** One request's time limit. Default: 120 s. */
  timeoutMs: z.number().int().min(1).default(120_000),
  /** Retries of a 429, a 5xx, a timeout or a dropped connection, with exponential backoff. Default: 4. */
  maxRetries: z.number().int().min(0).default(4),
});
export type EndpointSettings = z.input<typeof endpointSettingsSchema>;

/** One chat turn sent to the endpoint. */
export interface EndpointMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** Sampling of one call. */
export interface EndpointSampling {
  temperature?: number;
  maxTokens?: number;
  seed?: number;
  /** Ask for a JSON object (OpenAI's response_format json_object). */
  json?: boolean;
}

/** A chat model behind an OpenAI-compatible API. */
export class OpenAIEndpoint {
  readonly settings: z.output<typeof endpointSettingsSchema>;
  private readonly client: OpenAI;
  /** Calls made (each retry counts once more): a rerun from the cache should make none. */
  calls = 0;

  constructor(settings: EndpointSettings) {
    this.settings = endpointSettingsSchema.parse(settings);
    this.client = new OpenAI({
      baseURL: this.settings.url,
      apiKey: this.settings.apiKey || "none",
      timeout: this.settings.timeoutMs,
      maxRetries: this.settings.maxRetries,
      fetch: (url, init) => {
        this.calls++;
        return fetch(url, init);
      },
    });
  }

  /**
   * The model's answer to `messages`.
   * @throws {SaigaError} ENDPOINT_FAILED with the status and the server's message, after the retries
   */
  async chat(messages: readonly EndpointMessage[], sampling: EndpointSampling = {}, signal?: AbortSignal) {
    try {
      const completion = await this.client.chat.completions.create(
        {
          model: this.settings.model,
          messages: [...messages],
          ...(sampling.temperature !== undefined ? { temperature: sampling.temperature } : {}),
          ...(sampling.maxTokens !== undefined ? { max_tokens: sampling.maxTokens } : {}),
          ...(sampling.seed !== undefined ? { seed: sampling.seed } : {}),
          ...(sampling.json ? { response_format: { type: "json_object" as const } } : {}),
        },
        signal ? { signal } : {},
      );
      return completion.choices[0]?.message.content ?? "";
    } catch (error) {
      if (signal?.aborted) throw error;
      const status = error instanceof OpenAI.APIError && error.status ? ` (HTTP ${error.status})` : "";
      throw new SaigaError(
        "ENDPOINT_FAILED",
        `${this.settings.model} at ${this.settings.url} failed${status}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}
