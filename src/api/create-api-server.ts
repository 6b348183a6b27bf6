// The OpenAI-compatible HTTP API as a Fastify app on a role's runtime: /v1/chat/completions,
// /v1/completions and /v1/models behind the API keys, /health and /metrics beside them. Bodies
// are validated by the zod schemas of openai-schemas.ts; every error leaves in OpenAI's shape.
import Fastify, { type FastifyInstance } from "fastify";
import { registerOpsRoutes } from "../metrics/register-ops-routes.js";
import { saigaMetrics } from "../metrics/saiga-metrics.js";
import type { ServiceRuntime } from "../service/service-runtime.js";
import { apiHealth } from "./api-health.js";
import { ApiKeys, type ApiCaller } from "./api-keys.js";
import { CallerLimits } from "./caller-limits.js";
import { ModelCatalog } from "./model-catalog.js";
import { OpenAIError } from "./openai-error.js";
import { registerChatCompletions } from "./routes/chat-completions.js";
import { registerCompletions } from "./routes/completions.js";
import { registerModels } from "./routes/models.js";
import type { ApiServices } from "./serve-generation.js";
import { lendOpenAIRoutes, type OpenAIRoutesLender } from "./lend-openai-routes.js";
import { useOpenAIShapes } from "./use-openai-shapes.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Who sent a /v1 request (set by the authentication hook). */
    caller: ApiCaller;
  }
}

/** Options of {@link createApiServer}. */
export interface ApiServerOptions {
  /** Aborting it stops running requests and cancels their generations (a forced shutdown). */
  shutdown: AbortSignal;
  /**
   * Mounts another channel's routes on the same server (the dashboard, from the CLI: channels never
   * import each other). `lend` adds this API's chat completions and models to one of its scopes.
   */
  mount?: (app: FastifyInstance, lend: OpenAIRoutesLender) => Promise<void>;
}

/** Largest request body, in bytes (a long conversation with a big JSON schema fits). */
const BODY_LIMIT = 8 * 1024 * 1024;

/** Builds the app (not listening yet). */
export function createApiServer(runtime: ServiceRuntime, options: ApiServerOptions): FastifyInstance {
  const { config, log, redis, keys } = runtime;
  // No Fastify logger: it is not needed, and a request's headers (the key) must never reach a log.
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT });
  const catalog = new ModelCatalog(redis, keys, runtime.adapters);
  const services: ApiServices = {
    generation: runtime.generation,
    catalog,
    limits: new CallerLimits(redis, keys),
    log,
    shutdown: options.shutdown,
  };
  const apiKeys = new ApiKeys(config.api);

  useOpenAIShapes(app, log);
  app.setNotFoundHandler((request, reply) => {
    const failure = new OpenAIError(`Unknown request URL: ${request.method} ${request.url}.`, {
      status: 404,
      type: "invalid_request_error",
      code: "unknown_url",
    });
    return reply.code(404).send(failure.body());
  });

  registerOpsRoutes(app, { registry: saigaMetrics().registry, health: () => apiHealth(redis, catalog) });
  app.decorateRequest("caller", null as unknown as ApiCaller);
  void app.register(async (v1) => {
    v1.addHook("onRequest", async (request) => {
      request.caller = apiKeys.authenticate(request.headers.authorization);
    });
    registerChatCompletions(v1, services);
    registerCompletions(v1, services);
    registerModels(v1, catalog);
  });
  const { mount } = options;
  if (mount) void app.register(async (root) => mount(root, lendOpenAIRoutes(services, config.api.limits)));
  return app;
}
