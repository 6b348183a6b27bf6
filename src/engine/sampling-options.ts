// Sampling parameters of one generation: validated where they enter (config, chat settings, jobs).
import { z } from "zod";

/** How the next token is picked and when the answer ends. */
export const samplingOptionsSchema = z.object({
  /** 0 is greedy decoding. */
  temperature: z.number().min(0).max(5),
  topP: z.number().gt(0).max(1),
  /** 0 turns top-k off. */
  topK: z.number().int().min(0),
  /** 1 turns the penalty off. */
  repeatPenalty: z.number().min(1),
  /** Longest answer in tokens. */
  maxTokens: z.number().int().min(1),
  /** null: a new seed per request. */
  seed: z.number().int().min(0).nullable(),
});

export type SamplingOptions = z.infer<typeof samplingOptionsSchema>;

/**
 * What one request may override: the defaults above, plus llama.cpp's additive penalties
 * (`penalty_present`, `penalty_freq`: subtracted from a token's logit once it appeared, and per
 * appearance), which is what OpenAI's presence_penalty and frequency_penalty mean. 0 is off.
 */
export const requestSamplingSchema = samplingOptionsSchema.partial().extend({
  presencePenalty: z.number().min(-2).max(2).optional(),
  frequencyPenalty: z.number().min(-2).max(2).optional(),
});

export type RequestSampling = z.infer<typeof requestSamplingSchema>;
