// The outcome of one task for side A, from the judgements of one or both orderings. Scores are
// mapped back from the judge's A/B (first/second shown) to the sides before they are compared.
import type { OrderingJudgement } from "./judge-ordering.js";

/** A task's outcome for side A against side B. */
export type TaskOutcome = "win" | "draw" | "loss" | "unparsed" | "failed";

/** One ordering as judged, with the scores given to each side. */
export interface JudgedOrdering {
  /** Whether side A's answer was shown first (as the judge's "A"). */
  sideAFirst: boolean;
  judgement: OrderingJudgement;
}

/** Scores of side A and side B in an ordering, or null when it has no verdict. */
export function sideScores(ordering: JudgedOrdering): { a: number; b: number } | null {
  const { judgement } = ordering;
  if (judgement.kind !== "verdict") return null;
  return ordering.sideAFirst
    ? { a: judgement.scoreA, b: judgement.scoreB }
    : { a: judgement.scoreB, b: judgement.scoreA };
}

/**
 * The outcome over the orderings judged: each ordering's winner by score (equal scores: a draw);
 * with both orders, a winner that changes with the order is a draw. An ordering without a verdict
 * makes the task unparsed (or failed, when the judge could not be reached).
 */
export function taskOutcome(orderings: readonly JudgedOrdering[]): TaskOutcome {
  const outcomes: TaskOutcome[] = orderings.map((ordering) => {
    const scores = sideScores(ordering);
    if (!scores) return ordering.judgement.kind as "unparsed" | "failed";
    return scores.a > scores.b ? "win" : scores.a < scores.b ? "loss" : "draw";
  });
  if (outcomes.includes("failed")) return "failed";
  if (outcomes.includes("unparsed")) return "unparsed";
  return outcomes.every((outcome) => outcome === outcomes[0]) ? outcomes[0]! : "draw";
}
