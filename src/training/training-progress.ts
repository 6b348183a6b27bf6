// What a running training job shows (BullMQ job progress): the phase, the last step line of the
// trainer (step, loss, tokens/s), the planned steps and an ETA, plus a thinned loss curve so far.
// The same step lines, all of them, become the adapter's stored loss curve.
import { z } from "zod";
import { lossPointSchema, thinLossCurve, type LossPoint } from "../store/loss-curve.js";

/** Points of the live curve carried in the job's progress (the stored one has more). */
const LIVE_CURVE_POINTS = 200;

/** A trainer step line: `{"step","loss","tokens_per_s","lr","grad_norm",...}`. */
const stepLineSchema = z.object({
  step: z.number().int().min(1),
  loss: z.number(),
  tokens_per_s: z.number().optional(),
  lr: z.number().optional(),
  grad_norm: z.number().optional(),
});

/** The trainer's plan line: `{"plan": {"steps", ...}}`. */
const planLineSchema = z.object({ plan: z.object({ steps: z.number().int() }).passthrough() });

/** A training job's progress, as the trainer worker stores it and the dashboard reads it. */
export const trainingProgressSchema = z.object({
  /** training: steps are running; evaluating: the gate and the judge (after the last step). */
  phase: z.enum(["training", "evaluating"]),
  step: z.number().int().optional(),
  steps: z.number().int().optional(),
  loss: z.number().optional(),
  tokensPerS: z.number().optional(),
  lr: z.number().optional(),
  /** When the first step started (ms since the epoch). */
  startedAt: z.number().optional(),
  /** Seconds left for the remaining steps, from the mean step time so far. */
  etaSeconds: z.number().optional(),
  curve: z.array(lossPointSchema).default([]),
});
export type TrainingProgress = z.infer<typeof trainingProgressSchema>;

/** The loss point of a trainer line, or null for any other line. */
export function lossPointOf(line: Record<string, unknown>): LossPoint | null {
  const parsed = stepLineSchema.safeParse(line);
  if (!parsed.success) return null;
  const { step, loss, tokens_per_s, lr, grad_norm } = parsed.data;
  return {
    step,
    loss,
    ...(tokens_per_s !== undefined ? { tokensPerS: tokens_per_s } : {}),
    ...(lr !== undefined ? { lr } : {}),
    ...(grad_norm !== undefined ? { gradNorm: grad_norm } : {}),
  };
}

/** The loss curve of a trainer run's lines. */
export function lossCurveOf(lines: readonly Record<string, unknown>[]): LossPoint[] {
  return lines.map(lossPointOf).filter((point): point is LossPoint => point !== null);
}

/** Folds trainer lines, as they come, into the job's progress. */
export class TrainingProgressTracker {
  private readonly points: LossPoint[] = [];
  private steps?: number;
  private startedAt?: number;
  private phase: TrainingProgress["phase"] = "training";

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes one trainer line; returns the progress after it. */
  take(line: Record<string, unknown>): TrainingProgress {
    const plan = planLineSchema.safeParse(line);
    if (plan.success) {
      this.steps = plan.data.plan.steps;
      this.startedAt = this.now();
    }
    if (line.done === true) this.phase = "evaluating";
    const point = lossPointOf(line);
    if (point) this.points.push(point);
    return this.progress();
  }

  progress(): TrainingProgress {
    const last = this.points.at(-1);
    const eta =
      last && this.steps !== undefined && this.startedAt !== undefined
        ? ((this.now() - this.startedAt) / 1000 / last.step) * Math.max(0, this.steps - last.step)
        : undefined;
    return {
      phase: this.phase,
      ...(last ? { step: last.step, loss: last.loss } : {}),
      ...(last?.tokensPerS !== undefined ? { tokensPerS: last.tokensPerS } : {}),
      ...(last?.lr !== undefined ? { lr: last.lr } : {}),
      ...(this.steps !== undefined ? { steps: this.steps } : {}),
      ...(this.startedAt !== undefined ? { startedAt: this.startedAt } : {}),
      ...(eta !== undefined ? { etaSeconds: Math.round(eta) } : {}),
      curve: thinLossCurve(this.points, LIVE_CURVE_POINTS),
    };
  }
}
