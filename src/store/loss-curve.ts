// A training run's loss curve: the step lines the trainer printed, kept with the adapter version
// so that the dashboard can draw it after the training job is gone. Long runs are thinned to a
// fixed number of points (evenly, keeping the first and the last step).
import { z } from "zod";

/** One optimizer step of a run. */
export const lossPointSchema = z.object({
  step: z.number().int().min(1),
  loss: z.number(),
  tokensPerS: z.number().optional(),
  lr: z.number().optional(),
  gradNorm: z.number().optional(),
});
export type LossPoint = z.infer<typeof lossPointSchema>;

export const lossCurveSchema = z.array(lossPointSchema);

/** Most points stored per run (a few tens of KB). */
export const LOSS_CURVE_MAX_POINTS = 1000;

/** At most `max` points of `points`, evenly spaced, the first and the last kept. */
export function thinLossCurve(points: readonly LossPoint[], max = LOSS_CURVE_MAX_POINTS): LossPoint[] {
  if (points.length <= max) return [...points];
  if (max < 2) return points.slice(-max);
  const stride = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * stride)]!);
}
