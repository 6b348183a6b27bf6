// The Bot API emulator's public surface: the server class, its option and view types, and the error it throws.
export {
  BotApiEmulator,
  type BotApiEmulatorOptions,
  type CreateGroupOptions,
  type CreateUserOptions,
  type CustomMethod,
  type EditUserMessageInput,
  type PressButtonInput,
  type UserDocumentInput,
  type UserMessageInput,
  type UserPhotoInput,
  type UserStickerInput,
  type UserTextInput,
  type UserVoiceInput,
} from "./bot-api-emulator.js";
export { BotApiError, type BotApiErrorBody } from "./bot-api-error.js";
export type { BotMessageView, DraftView } from "./bot-message-view.js";
export type { ChatMemberStatus } from "./chat-member-of.js";
export type { UserChat } from "./emulator-state.js";
export type { ErrorFault, Fault, Refusal, TimeoutFault } from "./fault-plan.js";
export { TELEGRAM_RATE_LIMITS, type RateLimitRule } from "./rate-limiter.js";
export type { SentCall } from "./sent-call.js";
