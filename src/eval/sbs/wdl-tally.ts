// Wins-draws-losses of side A against side B, as the Saiga authors reported them, with the win
// rate (wins + draws/2) / judged and its 95% bootstrap interval over tasks.
import { bootstrapInterval } from "./bootstrap-interval.js";
import type { TaskOutcome } from "./task-outcome.js";

export interface WdlTally {
  /** Tasks both sides answered: wins + draws + losses + unparsed + failed. */
  tasks: number;
  wins: number;
  draws: number;
  losses: number;
  /** Tasks whose verdict could not be read after the retries. */
  unparsed: number;
  /** Tasks the judge could not be asked (the endpoint kept failing). */
  failed: number;
  /** (wins + draws/2) / (wins + draws + losses); null when nothing was judged. */
  winRate: number | null;
  /** 95% percentile bootstrap interval of the win rate; null when nothing was judged. */
  winRateInterval: [number, number] | null;
}

/** Tallies `outcomes` (side A's), with the interval seeded by `seed`. */
export function tallyOutcomes(outcomes: readonly TaskOutcome[], seed: number): WdlTally {
  const count = (kind: TaskOutcome) => outcomes.filter((outcome) => outcome === kind).length;
  const points = outcomes.flatMap((outcome) =>
    outcome === "win" ? [1] : outcome === "draw" ? [0.5] : outcome === "loss" ? [0] : [],
  );
  const winRate = points.length ? points.reduce((sum, point) => sum + point, 0) / points.length : null;
  return {
    tasks: outcomes.length,
    wins: count("win"),
    draws: count("draw"),
    losses: count("loss"),
    unparsed: count("unparsed"),
    failed: count("failed"),
    winRate,
    winRateInterval: points.length ? bootstrapInterval(points, seed) : null,
  };
}
