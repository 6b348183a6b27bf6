// `POST /v1/completions`: a raw prompt continued as it is (no chat template), whole or streamed.
import type { FastifyInstance } from "fastify";
import type { CompletionShape } from "../completion-shape.js";
import { samplingOf, stopStringsOf } from "../openai-sampling.js";
import { completionRequestSchema, type CompletionRequest } from "../openai-schemas.js";
import { serveGeneration, type ApiServices } from "../serve-generation.js";

/** Text completions in OpenAI's JSON. */
export const TEXT_COMPLETION_SHAPE: CompletionShape = {
  idPrefix: "cmpl-",
  object: "text_completion",
  chunkObject: "text_completion",
  promptParam: "prompt",
  choice: (index, text, finishReason) => ({ index, text, logprobs: null, finish_reason: finishReason }),
  delta: (index, text) => ({ index, text, logprobs: null, finish_reason: null }),
  finish: (index, finishReason) => ({ index, text: "", logprobs: null, finish_reason: finishReason }),
};

/** Adds the route to `app`. */
export function registerCompletions(app: FastifyInstance, services: ApiServices): void {
  app.post("/v1/completions", { schema: { body: completionRequestSchema } }, async (request, reply) => {
    const body = request.body as CompletionRequest;
    await serveGeneration(services, request, reply, {
      caller: request.caller,
      model: body.model,
      n: body.n ?? 1,
      stream: body.stream === true,
      includeUsage: body.stream_options?.include_usage === true,
      shape: TEXT_COMPLETION_SHAPE,
      job: {
        prompt: typeof body.prompt === "string" ? body.prompt : (body.prompt[0] as string),
        sampling: samplingOf(body),
        stop: stopStringsOf(body.stop),
      },
    });
    return reply;
  });
}
