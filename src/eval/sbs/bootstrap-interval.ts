// A percentile bootstrap interval for a mean (the win rate over tasks), with a seeded generator
// so the same run reports the same interval.
import { SeededRandom } from "../../gguf/index.js";

/** The 95% percentile bootstrap interval of the mean of `values`; [NaN, NaN] when empty. */
export function bootstrapInterval(
  values: readonly number[],
  seed: number,
  resamples = 2000,
): [number, number] {
  if (values.length === 0) return [Number.NaN, Number.NaN];
  const random = new SeededRandom(seed);
  const means: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[Math.floor(random.next() * values.length)]!;
    means.push(sum / values.length);
  }
  means.sort((x, y) => x - y);
  return [means[Math.floor(0.025 * (resamples - 1))]!, means[Math.ceil(0.975 * (resamples - 1))]!];
}
