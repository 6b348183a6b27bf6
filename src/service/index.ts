// The generation service: the protocol (jobs, stream entries, results), the one client every
// channel uses, the engine worker that serves it, and the runtime that wires Redis for each role.
export {
  GENERATE_QUEUE,
  generateJobSchema,
  chatJobSchema,
  messagesJobSchema,
  adapterChoiceSchema,
  requestIdOf,
  type GenerateJob,
  type ChatJob,
  type MessagesJob,
  type MessagesJobInput,
  type AdapterChoice,
} from "./protocol/generate-job.js";
export {
  streamEntrySchema,
  streamEndSchema,
  generationStatsSchema,
  generateResultSchema,
  outcomeSchema,
  type StreamEnd,
  type EndEntry,
  type Outcome,
  type StreamError,
  type GenerateResult,
} from "./protocol/stream-entry.js";
export {
  GenerationClient,
  type GenerationClientOptions,
  type EnqueuedMessage,
  type SubmitRequest,
} from "./generation-client.js";
export { JobCancellation } from "./job-cancellation.js";
export { ChatLease } from "./chat-lease.js";
export {
  TokenStreamWriter,
  readTokenStream,
  readWholeAnswer,
  type TokenStreamEntry,
  type ReadTokenStreamOptions,
} from "./token-stream.js";
export { EngineWorker, type EngineWorkerOptions, type EngineWorkerObserver } from "./engine-worker.js";
export { AdapterFollower } from "./adapter-follower.js";
export { runEngineWorker, type RunningEngineWorker } from "./run-engine-worker.js";
export type { GenerationBackend } from "./generation-backend.js";
export { ServiceRuntime, createServiceRuntime, type ServiceRuntimeOptions } from "./service-runtime.js";
export {
  EnginePresence,
  servingEngines,
  engineHeartbeatSchema,
  type EngineHeartbeat,
} from "./engine-presence.js";
export {
  GatewayPresence,
  runningGateways,
  gatewayHeartbeatSchema,
  type GatewayHeartbeat,
} from "./gateway-presence.js";
