// What is known about one trained LoRA adapter version: where it came from (base model, dataset,
// hyperparameters), how it did (metrics, the evaluation gate) and where it stands.
import { z } from "zod";

/** How a variant (the candidate, or what it is compared with) did on the validation split. */
export const gateScoreSchema = z.object({
  /** The adapter version; null for the bare model. */
  version: z.string().nullable(),
  /** Mean log-likelihood per token of desirable answers minus that of undesirable ones; null without both kinds. */
  margin: z.number().nullable(),
  /** Perplexity of desirable answers; null without desirable examples. */
  desirablePerplexity: z.number().nullable(),
});

/** The side-by-side judge's wins-draws-losses of a candidate against what served (saiga eval sbs). */
export const judgeResultSchema = z.object({
  model: z.string(),
  wins: z.number().int(),
  draws: z.number().int(),
  losses: z.number().int(),
  /** Prompts whose verdict could not be read, and prompts the judge could not be asked. */
  unparsed: z.number().int().default(0),
  failed: z.number().int().default(0),
  /** (wins + draws/2) / judged, with its 95% bootstrap interval; null when nothing was judged. */
  winRate: z.number().nullable().optional(),
  winRateInterval: z.tuple([z.number(), z.number()]).nullable().optional(),
});
export type JudgeResult = z.infer<typeof judgeResultSchema>;

/** The evaluation gate's verdict on a candidate. */
export const gateResultSchema = z.object({
  passed: z.boolean(),
  /** Why it passed or failed, one line each. */
  reasons: z.array(z.string()),
  candidate: gateScoreSchema,
  baseline: gateScoreSchema,
  /** Side-by-side judge on validation prompts (when a judge is configured). */
  judge: judgeResultSchema.optional(),
  examples: z.object({ desirable: z.number().int(), undesirable: z.number().int() }),
});

export const ADAPTER_STATUSES = ["candidate", "active", "retired", "rejected"] as const;

/** Schema of a manifest (stored as JSON next to the adapter file and in Redis). */
export const adapterManifestSchema = z.object({
  version: z.string().regex(/^[A-Za-z0-9._-]+$/, "expected letters, digits, ., _ or -"),
  /** File name of the adapter in its version folder: `<version>.gguf` (unique per version). */
  file: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().min(0),
  baseModel: z.object({ file: z.string(), sha256: z.string() }),
  dataset: z.object({ hash: z.string(), train: z.number().int(), validation: z.number().int() }).nullable(),
  hyperparameters: z.record(z.unknown()),
  metrics: z.record(z.unknown()),
  gate: gateResultSchema.nullable(),
  status: z.enum(ADAPTER_STATUSES),
  createdAt: z.number().int(),
  activatedAt: z.number().int().optional(),
});

export type AdapterManifest = z.infer<typeof adapterManifestSchema>;
export type GateResult = z.infer<typeof gateResultSchema>;
export type GateScore = z.infer<typeof gateScoreSchema>;
