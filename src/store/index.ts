// Redis state of chats and users: history, answer bookkeeping, settings, update dedupe, limits.
export { RedisKeys } from "./redis-keys.js";
export {
  ChatStore,
  type ChatStoreOptions,
  type NewUserTurn,
  type NewAssistantTurn,
  type AppendAssistantTurnOptions,
  type BegunAnswer,
} from "./chat-store.js";
export { historyTurnSchema, type HistoryTurn, type StoredTurn } from "./history-turn.js";
export {
  chatSettingsSchema,
  chatSettingsPatchSchema,
  MAX_SYSTEM_PROMPT_LENGTH,
  type ChatSettings,
  type ChatSettingsPatch,
} from "./chat-settings.js";
export { UpdateDedupe, type UpdateDedupeOptions } from "./update-dedupe.js";
export { UserLimits, type UserLimitsOptions, type RateVerdict, type TokenQuota } from "./user-limits.js";
export { StoreError, InvalidTurnError, InvalidSettingsError } from "./store-errors.js";
export {
  createRedis,
  type CreateRedisOptions,
  type RedisConnection,
  type RedisRole,
} from "./redis-connection.js";
export { parseRedisUrl, InvalidRedisUrlError, type RedisTarget, type RedisNode } from "./redis-url.js";
export { ensureRedis, type EnsureRedisOptions, type EnsuredRedis } from "./ensure-redis.js";
export { startEmbeddedRedis, type EmbeddedRedis, type StartEmbeddedRedisOptions } from "./embedded-redis.js";
export { checkEvictionPolicy } from "./check-eviction-policy.js";
export { RedisSetupError } from "./redis-setup-errors.js";
export {
  generationRecordSchema,
  promptMessageSchema,
  type GenerationRecord,
  type PromptMessage,
} from "./generation-record.js";
export { GenerationRecords, type GenerationRecordsOptions } from "./generation-records.js";
export {
  FeedbackStore,
  feedbackRecordSchema,
  FEEDBACK_KINDS,
  type FeedbackKind,
  type FeedbackRecord,
  type FeedbackStoreOptions,
} from "./feedback-store.js";
export { InvalidRecordError } from "./store-errors.js";
export { AdapterStore, type AdapterStoreOptions } from "./adapter-store.js";
export {
  adapterManifestSchema,
  gateResultSchema,
  type AdapterManifest,
  type GateResult,
  type GateScore,
} from "./adapter-manifest.js";
export { lossCurveSchema, lossPointSchema, thinLossCurve, type LossPoint } from "./loss-curve.js";
export {
  PrivacyChoices,
  privacyChoiceSchema,
  type PrivacyChoice,
  type PrivacyChoicesOptions,
} from "./privacy-choices.js";
export { forgetUser, type ForgottenUser } from "./forget-user.js";
export { exportUserData, type UserDataExport } from "./export-user-data.js";
