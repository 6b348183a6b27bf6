// The OpenAI-compatible HTTP API (a channel, like the Telegram bot): the Fastify app on a role's
// runtime, the role that runs it, and the key helpers `saiga api key` uses.
export { createApiServer, type ApiServerOptions } from "./create-api-server.js";
export { runApi, type RunningApi } from "./run-api.js";
export { ApiKeys, hashApiKey, newApiKey, type ApiCaller, type CallerLimitSettings } from "./api-keys.js";
export { ACTIVE_MODEL_ID, ModelCatalog, baseModelId, type CatalogModel } from "./model-catalog.js";
export { OpenAIError, type OpenAIErrorBody, type OpenAIErrorType } from "./openai-error.js";
export { chatCompletionRequestSchema, completionRequestSchema, MAX_CHOICES } from "./openai-schemas.js";
