// saiga-bot's public API, for people who build their own bot or channel on the framework.
// Everything not exported here is internal and may change without notice.
export {
  loadConfig,
  configSchema,
  ConfigError,
  type Config,
  type LoadConfigOptions,
} from "./config/index.js";
export { createLogger, redactSecrets, type Logger, type CreateLoggerOptions } from "./log/index.js";
export {
  SaigaEngine,
  createEngine,
  resolveModelPath,
  buildPrompt,
  displayPrompt,
  tokenizePrompt,
  selectChatWrapper,
  SaigaV2ChatWrapper,
  Llama3ChatWrapper,
  chatMessageSchema,
  samplingOptionsSchema,
  EngineError,
  ModelLoadError,
  InvalidConversationError,
  PromptTooLongError,
  ChatFormatMismatchError,
  InvalidResponseFormatError,
  DEMO_MODEL_NOTICE,
  type SaigaEngineOptions,
  type GenerateRequest,
  type EngineInfo,
  type ChatMessage,
  type SamplingOptions,
  type GenerationEvent,
  type GenerationStats,
  type StopReason,
  type AdapterContextInfo,
  type RequestSampling,
  type ResponseFormat,
} from "./engine/index.js";
export { readGguf, writeGguf, writeDemoModel, describeModel } from "./gguf/index.js";
export {
  ChatStore,
  UpdateDedupe,
  UserLimits,
  RedisKeys,
  createRedis,
  type RedisConnection,
  ensureRedis,
  startEmbeddedRedis,
  type EnsureRedisOptions,
  type EnsuredRedis,
  FeedbackStore,
  GenerationRecords,
  type HistoryTurn,
  type StoredTurn,
  type ChatSettings,
  type FeedbackRecord,
  type GenerationRecord,
} from "./store/index.js";
export {
  GenerationClient,
  readTokenStream,
  readWholeAnswer,
  EngineWorker,
  runEngineWorker,
  createServiceRuntime,
  ServiceRuntime,
  servingEngines,
  type ServiceRuntimeOptions,
  type RunningEngineWorker,
  generateJobSchema,
  messagesJobSchema,
  streamEntrySchema,
  type TokenStreamEntry,
  type GenerationBackend,
  type SubmitRequest,
  type StreamEnd,
  type GenerateResult,
} from "./service/index.js";
export {
  createSaigaBot,
  runGateway,
  botServicesOf,
  registerCommandMenus,
  DeliveryQueue,
  DeliveryWorker,
  markdownToTelegramHtml,
  splitMessage,
  type SaigaBotOptions,
  type MenuCommand,
  type BotServices,
  type SaigaContext,
  type SaigaFlavor,
  type RunningGateway,
  type Language,
  type Texts,
} from "./bot/index.js";
// The grammY the bot runs on, so that a plugin's composer is of the same grammY as the bot.
export { Composer, type Middleware, type NextFunction } from "grammy";
export {
  AdapterRegistry,
  TrainingQueue,
  TrainingWorker,
  runTraining,
  evaluateCandidate,
  buildDataset,
  tokenizeExamples,
  type TrainingOutcome,
} from "./training/index.js";
export { AdapterStore } from "./store/adapter-store.js";
export type { AdapterManifest, GateResult } from "./store/adapter-manifest.js";
export { SaigaError } from "./errors/saiga-error.js";
export {
  saigaMetrics,
  SaigaMetrics,
  registerOpsRoutes,
  startOpsServer,
  ProcessHealth,
  type HealthReport,
  type RoleHealth,
  type OpsRoutesOptions,
  type OpsServer,
} from "./metrics/index.js";
export { engineMetricsObserver } from "./service/engine-metrics-observer.js";
export {
  createApiServer,
  runApi,
  ApiKeys,
  hashApiKey,
  newApiKey,
  ModelCatalog,
  OpenAIError,
  ACTIVE_MODEL_ID,
  chatCompletionRequestSchema,
  completionRequestSchema,
  type ApiServerOptions,
  type RunningApi,
  type CatalogModel,
} from "./api/index.js";
// Evaluation: answer sets, side-by-side judging, self-instruct data.
export {
  runSideBySide,
  writeSbsOutputs,
  type SideBySideResult,
  type SideBySideOptions,
  type WdlTally,
} from "./eval/sbs/index.js";
export { answerRecordSchema, type AnswerRecord } from "./eval/answer-record.js";
export { taskSchema, readTasks, type Task } from "./eval/task-file.js";
export { evalAnswers, type EvalAnswersOptions, type EvalAnswersSummary } from "./eval/eval-answers.js";
export { EngineSide, type EngineSideOptions } from "./eval/engine-side.js";
export { EndpointSide, type EndpointSideOptions } from "./eval/endpoint-side.js";
export { OpenAIEndpoint, type EndpointSettings } from "./eval/openai-endpoint.js";
export {
  generateSelfInstruct,
  type SelfInstructOptions,
} from "./eval/self-instruct/generate-self-instruct.js";
export type { SelfInstructReport } from "./eval/self-instruct/self-instruct-report.js";
