// The API's chat completions and model list, lent to another channel on the same server: the
// dashboard's playground calls them in a scope of its own, where its session and CSRF checks
// decide who may (no API key is involved). The requests run exactly as /v1's do, through the same
// generation service, counted under one caller (`api:<name>`) with `api.limits`.
import type { FastifyInstance } from "fastify";
import type { Config } from "../config/index.js";
import type { ApiCaller } from "./api-keys.js";
import { registerChatCompletions } from "./routes/chat-completions.js";
import { registerModels } from "./routes/models.js";
import type { ApiServices } from "./serve-generation.js";
import { useOpenAIShapes } from "./use-openai-shapes.js";

/**
 * Adds POST `<scope>/v1/chat/completions` and GET `<scope>/v1/models` to `scope`, for the caller
 * `callerName`. The scope's own hooks must authenticate: these routes check nothing themselves.
 */
export type OpenAIRoutesLender = (scope: FastifyInstance, callerName: string) => void;

/** The lender of an API's `services`. */
export function lendOpenAIRoutes(services: ApiServices, limits: Config["api"]["limits"]): OpenAIRoutesLender {
  return (scope, callerName) => {
    const caller: ApiCaller = { name: callerName, userId: `api:${callerName}`, limits: { ...limits } };
    useOpenAIShapes(scope, services.log);
    scope.addHook("onRequest", async (request) => {
      request.caller = caller;
    });
    registerChatCompletions(scope, services);
    registerModels(scope, services.catalog);
  };
}
