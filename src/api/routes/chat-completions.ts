// `POST /v1/chat/completions`: a conversation (system, user and assistant messages, content as a
// string or text parts) answered with the model's chat template, whole or streamed.
import type { FastifyInstance } from "fastify";
import type { ChatMessage } from "../../engine/chat-message.js";
import type { ResponseFormat } from "../../engine/response-format.js";
import type { CompletionShape } from "../completion-shape.js";
import { commonSpecOf } from "../openai-sampling.js";
import { chatCompletionRequestSchema, contentText, type ChatCompletionRequest } from "../openai-schemas.js";
import { serveGeneration, type ApiServices } from "../serve-generation.js";

/** Chat completions in OpenAI's JSON. */
export const CHAT_COMPLETION_SHAPE: CompletionShape = {
  idPrefix: "chatcmpl-",
  object: "chat.completion",
  chunkObject: "chat.completion.chunk",
  promptParam: "messages",
  choice: (index, text, finishReason) => ({
    index,
    message: { role: "assistant", content: text, refusal: null },
    logprobs: null,
    finish_reason: finishReason,
  }),
  opening: (index) => ({
    index,
    delta: { role: "assistant", content: "" },
    logprobs: null,
    finish_reason: null,
  }),
  delta: (index, text) => ({ index, delta: { content: text }, logprobs: null, finish_reason: null }),
  finish: (index, finishReason) => ({ index, delta: {}, logprobs: null, finish_reason: finishReason }),
};

/** Adds the route to `app`. */
export function registerChatCompletions(app: FastifyInstance, services: ApiServices): void {
  app.post(
    "/v1/chat/completions",
    { schema: { body: chatCompletionRequestSchema } },
    async (request, reply) => {
      const body = request.body as ChatCompletionRequest;
      const common = commonSpecOf(body);
      await serveGeneration(services, request, reply, {
        ...common,
        caller: request.caller,
        shape: CHAT_COMPLETION_SHAPE,
        job: {
          ...common.job,
          messages: body.messages.map(messageOf),
          responseFormat: responseFormatOf(body.response_format),
        },
      });
      return reply;
    },
  );
}

/** An OpenAI message as the engine takes it (`developer` is a system message). */
function messageOf(message: ChatCompletionRequest["messages"][number]): ChatMessage {
  return {
    role: message.role === "developer" ? "system" : message.role,
    content: contentText(message.content),
  };
}

function responseFormatOf(format: ChatCompletionRequest["response_format"]): ResponseFormat {
  if (!format || format.type === "text") return { type: "text" };
  if (format.type === "json_object") return { type: "json_object" };
  return { type: "json_schema", schema: format.json_schema.schema };
}
