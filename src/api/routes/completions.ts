// `POST /v1/completions`: a raw prompt continued as it is (no chat template), whole or streamed.
import type { FastifyInstance } from "fastify";
import type { CompletionShape } from "../completion-shape.js";
import { commonSpecOf } from "../openai-sampling.js";
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
    const common = commonSpecOf(body);
    await serveGeneration(services, request, reply, {
      ...common,
      caller: request.caller,
      shape: TEXT_COMPLETION_SHAPE,
      job: {
        ...common.job,
        prompt: typeof body.prompt === "string" ? body.prompt : (body.prompt[0] as string),
      },
    });
    return reply;
  });
}
