// The generation queue: job schema, producer API, per-chat lease and token streams.
export { GENERATE_QUEUE, generateJobSchema, requestIdOf, type GenerateJob } from "./generate-job.js";
export { GenerationQueue, type GenerationQueueOptions, type EnqueuedMessage } from "./generation-queue.js";
export { ChatLease } from "./chat-lease.js";
export {
  TokenStreamWriter,
  readTokenStream,
  readWholeAnswer,
  type TokenStreamEntry,
  type ReadTokenStreamOptions,
} from "./token-stream.js";
