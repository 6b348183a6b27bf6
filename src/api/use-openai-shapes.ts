// How the API's routes read and answer: bodies validated by their zod schemas (openai-schemas.ts),
// every error in OpenAI's shape. Set on the API's app, and on a scope another channel borrows the
// routes in (lend-openai-routes.ts).
import type { FastifyError, FastifyInstance } from "fastify";
import type { ZodTypeAny } from "zod";
import type { Logger } from "../log/index.js";
import { saigaMetrics } from "../metrics/saiga-metrics.js";
import { OpenAIError } from "./openai-error.js";
import { errorOfInvalidBody } from "./openai-schemas.js";

/** Sets the validator and the error handler on `app` (and so its children). */
export function useOpenAIShapes(app: FastifyInstance, log: Logger): void {
  app.setValidatorCompiler<ZodTypeAny>(({ schema }) => (data) => {
    const result = schema.safeParse(data);
    return result.success ? { value: result.data } : { error: errorOfInvalidBody(result.error) };
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const failure = openAIErrorOf(error);
    saigaMetrics().countError("api", failure);
    if (failure.status >= 500) {
      log.error({ err: error, method: request.method, url: request.url }, "api request failed");
    }
    return reply.code(failure.status).headers(failure.headers).send(failure.body());
  });
}

/** Any error as an API error: ours as they are, Fastify's 4xx (bad JSON, too large) as invalid requests. */
function openAIErrorOf(error: FastifyError): OpenAIError {
  if (error instanceof OpenAIError) return error;
  const status = error.statusCode ?? 500;
  if (status < 500) {
    return new OpenAIError(error.message, {
      status,
      type: "invalid_request_error",
      code: error.code?.toLowerCase() ?? null,
    });
  }
  return new OpenAIError("The server had an error while processing your request.", {
    status: 500,
    type: "server_error",
    cause: error,
  });
}
