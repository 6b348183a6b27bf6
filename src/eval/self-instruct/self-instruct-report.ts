// The count a self-instruct run ends with: how many tasks were kept and how many were dropped,
// by reason, so an operator sees what the filters did to the teacher's output.

/** Why a task the teacher invented was not kept. */
export const DROP_REASONS = [
  /** A piece of the answer without an instruction to read. */
  "unparsed",
  /** An instruction of fewer words than the minimum. */
  "tooShort",
  /** An instruction or input over the maximum of words. */
  "tooLong",
  /** Mentions something a text model cannot do (images, files, audio…). */
  "blacklisted",
  /** ROUGE-L above the threshold against a task already in the pool. */
  "similar",
  /** The teacher's answer to the task was empty. */
  "emptyAnswer",
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export interface SelfInstructReport {
  /** Examples asked for (--count). */
  count: number;
  /** Examples in the output, earlier runs' included. */
  kept: number;
  /** Examples this run added. */
  added: number;
  /** Tasks read from the teacher's batches this run. */
  generated: number;
  /** Tasks dropped this run, by reason. */
  dropped: Record<DropReason, number>;
  /** Tasks that passed the filters after --count was already reached (neither kept nor dropped). */
  surplus: number;
  /** Batch requests made this run. */
  batches: number;
  /** HTTP calls to the teacher this run (retries included). */
  teacherCalls: number;
  /** Whether --count was reached (false when the request limit stopped the run first). */
  complete: boolean;
}

export function emptyDropCounts(): Record<DropReason, number> {
  return Object.fromEntries(DROP_REASONS.map((reason) => [reason, 0])) as Record<DropReason, number>;
}
