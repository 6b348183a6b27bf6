// Per-chat settings (/settings in Telegram): overrides of the configured system prompt, sampling
// and language. Ranges and messages are the configuration's own, so both say the same thing.
import { z } from "zod";
import { configSchema } from "../config/index.js";

const generation = configSchema.shape.generation.shape;

/** Longest chat system prompt: a Telegram message's length. */
export const MAX_SYSTEM_PROMPT_LENGTH = 4096;

const fields = {
  systemPrompt: z
    .string({ invalid_type_error: "expected text" })
    .max(MAX_SYSTEM_PROMPT_LENGTH, `expected at most ${MAX_SYSTEM_PROMPT_LENGTH} characters`),
  temperature: generation.temperature,
  topP: generation.topP,
  topK: generation.topK,
  repeatPenalty: generation.repeatPenalty,
  maxTokens: generation.maxTokens,
  /** An IETF language tag such as `ru`, `en` or `pt-BR`. */
  language: z
    .string({ invalid_type_error: "expected a language code" })
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "expected a language code such as ru, en or pt-BR"),
  /** Which weights answer (/model): `base`, `active` or an adapter version; unset follows the A/B. */
  model: z
    .string({ invalid_type_error: "expected base, active or an adapter version" })
    .regex(/^[A-Za-z0-9._-]+$/, "expected base, active or an adapter version"),
};

/** Schema of stored settings: every field optional; unknown fields are dropped on read. */
export const chatSettingsSchema = z.object({
  systemPrompt: fields.systemPrompt.optional(),
  temperature: fields.temperature.optional(),
  topP: fields.topP.optional(),
  topK: fields.topK.optional(),
  repeatPenalty: fields.repeatPenalty.optional(),
  maxTokens: fields.maxTokens.optional(),
  language: fields.language.optional(),
  model: fields.model.optional(),
});

/** A chat's settings; a missing field means "use the configured default". */
export type ChatSettings = z.infer<typeof chatSettingsSchema>;

/** Schema of a settings change: `null` (or `undefined`) removes a field; unknown fields are refused. */
export const chatSettingsPatchSchema = z
  .object({
    systemPrompt: fields.systemPrompt.nullish(),
    temperature: fields.temperature.nullish(),
    topP: fields.topP.nullish(),
    topK: fields.topK.nullish(),
    repeatPenalty: fields.repeatPenalty.nullish(),
    maxTokens: fields.maxTokens.nullish(),
    language: fields.language.nullish(),
    model: fields.model.nullish(),
  })
  .strict();

/** A settings change for {@link ChatStore.updateSettings}. */
export type ChatSettingsPatch = z.input<typeof chatSettingsPatchSchema>;
