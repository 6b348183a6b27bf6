// OpenAI's sampling parameters → the job's sampling. Unset parameters keep the server's
// `generation.*` defaults. presence_penalty and frequency_penalty are llama.cpp's additive
// penalties (penalty_present, penalty_freq): a token's logit is lowered by presence_penalty once
// it appeared in the answer, and by frequency_penalty per appearance, which is OpenAI's formula.
import type { RequestSampling } from "../engine/sampling-options.js";
import type { ChatCompletionRequest, CompletionRequest } from "./openai-schemas.js";

type SamplingParameters = Pick<
  ChatCompletionRequest & CompletionRequest,
  "max_tokens" | "temperature" | "top_p" | "seed" | "presence_penalty" | "frequency_penalty"
> & { max_completion_tokens?: number | null };

/** The job's sampling overrides of a request. */
export function samplingOf(body: SamplingParameters): RequestSampling {
  const sampling: RequestSampling = {
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    seed: body.seed ?? undefined,
    presencePenalty: body.presence_penalty ?? undefined,
    frequencyPenalty: body.frequency_penalty ?? undefined,
  };
  return Object.fromEntries(Object.entries(sampling).filter(([, value]) => value !== undefined));
}

/** What chat and text completions share: the model, the choices, streaming, sampling and stop strings. */
export function commonSpecOf(
  body: SamplingParameters &
    Pick<ChatCompletionRequest & CompletionRequest, "model" | "n" | "stream" | "stream_options" | "stop">,
) {
  return {
    model: body.model,
    n: body.n ?? 1,
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    job: { sampling: samplingOf(body), stop: stopStringsOf(body.stop) },
  };
}

/** `stop` as a list (OpenAI takes a string or a list). */
export function stopStringsOf(stop: string | string[] | null | undefined): string[] {
  if (stop === null || stop === undefined) return [];
  return typeof stop === "string" ? [stop] : stop;
}
