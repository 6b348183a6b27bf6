// The `train` job: one training run (dataset → trainer → gate → activation). The scheduler adds
// one on its cron; `saiga train --now` and the admin /train add one that skips the threshold.
import { z } from "zod";
import type { JudgeResult } from "../store/adapter-manifest.js";

/** Name of the BullMQ queue that carries training jobs. */
export const TRAIN_QUEUE = "train";

/** Job data, validated by the trainer. */
export const trainingJobSchema = z.object({
  /** Train even when less new feedback than `training.minNewFeedback` arrived. */
  force: z.boolean().default(false),
  /** Who asked: `schedule`, `cli`, or `admin:<user id>`. */
  requestedBy: z.string().default("schedule"),
});

export type TrainingJob = z.input<typeof trainingJobSchema>;

/** What a training run ended with (the job's return value). */
export interface TrainingOutcome {
  /** Why nothing was trained (not enough new feedback, no examples). */
  skipped?: string;
  newFeedback: number;
  version?: string;
  gate?: {
    passed: boolean;
    reasons: string[];
    judge?: JudgeResult;
  };
  activated?: boolean;
  metrics?: Record<string, unknown>;
}
