// The engine: model loading, chat formats, prompt building and generation. Inference only: it
// imports config, log and gguf, and knows nothing of Redis, queues or channels (src/service/
// serves it to them).
export {
  SaigaEngine,
  type SaigaEngineOptions,
  type GenerateRequest,
  type EngineInfo,
} from "./saiga-engine.js";
export { createEngine, modelsDirOf, DEMO_MODEL_NOTICE, type CreateEngineOptions } from "./create-engine.js";
export {
  resolveModelPath,
  ensureDemoModel,
  DEMO_MODEL_FILE,
  type ResolveModelPathOptions,
} from "./resolve-model-path.js";
export { fetchSmolLM2, SMOLLM2, SMOLLM2_NOTICE, type FetchSmolLM2Options } from "./fetch-smollm2.js";
export { chatMessageSchema, chatMessagesSchema, type ChatMessage } from "./chat-message.js";
export {
  samplingOptionsSchema,
  requestSamplingSchema,
  type SamplingOptions,
  type RequestSampling,
} from "./sampling-options.js";
export { responseFormatSchema, type ResponseFormat } from "./response-format.js";
export type {
  GenerationEvent,
  GenerationStats,
  StopReason,
  DeltaEvent,
  EndEvent,
} from "./generation-event.js";
export { buildPrompt, type BuiltPrompt, type BuildPromptOptions } from "./build-prompt.js";
export { tokenizePrompt, displayPrompt } from "./prompt-tokens.js";
export { selectChatWrapper, type ChatFormatName } from "./chat-formats/select-chat-wrapper.js";
export { SaigaV2ChatWrapper } from "./chat-formats/saiga-v2-chat-wrapper.js";
export { Llama3ChatWrapper } from "./chat-formats/llama3-chat-wrapper.js";
export { physicalCoreCount } from "./thread-count.js";
export { calibrateThreads, threadCandidates, type ThreadCalibration } from "./calibrate-threads.js";
export {
  EngineError,
  ModelLoadError,
  InvalidConversationError,
  PromptTooLongError,
  ChatFormatMismatchError,
  InvalidResponseFormatError,
} from "./engine-errors.js";
export type { AdapterContextInfo } from "./adapter-contexts.js";
