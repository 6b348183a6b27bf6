// `GET /v1/models` and `GET /v1/models/:model`: what the engines serving now can answer with
// (see model-catalog.ts for the ids).
import type { FastifyInstance } from "fastify";
import type { ModelCatalog } from "../model-catalog.js";
import { OpenAIError } from "../openai-error.js";

/** Adds the routes to `app`. */
export function registerModels(app: FastifyInstance, catalog: ModelCatalog): void {
  app.get("/v1/models", async () => {
    const models = await catalog.list(await catalog.engines());
    return { object: "list", data: models };
  });
  app.get<{ Params: { model: string } }>("/v1/models/:model", async (request) => {
    const models = await catalog.list(await catalog.engines());
    const model = models.find((entry) => entry.id === request.params.model);
    if (!model) throw OpenAIError.unknownModel(request.params.model);
    return model;
  });
}
