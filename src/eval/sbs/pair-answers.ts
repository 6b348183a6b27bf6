// Matches two answer sets by task id. Only tasks both sides answered are judged; the rest are
// listed in the result so a missing answer is noticed rather than counted.
import { SaigaError } from "../../errors/saiga-error.js";
import type { AnswerRecord } from "../answer-record.js";

export interface AnswerPair {
  id: string;
  a: AnswerRecord;
  b: AnswerRecord;
}

export interface PairedAnswers {
  pairs: AnswerPair[];
  /** Task ids only side A answered, and only side B. */
  onlyA: string[];
  onlyB: string[];
}

/**
 * Pairs `a` and `b` by id, in the order of `a`.
 * @throws {SaigaError} SBS_DUPLICATE_ID when a set answers one task twice
 */
export function pairAnswers(a: readonly AnswerRecord[], b: readonly AnswerRecord[]): PairedAnswers {
  const byIdA = indexById(a, "A");
  const byIdB = indexById(b, "B");
  const pairs: AnswerPair[] = [];
  for (const [id, record] of byIdA) {
    const other = byIdB.get(id);
    if (other) pairs.push({ id, a: record, b: other });
  }
  return {
    pairs,
    onlyA: [...byIdA.keys()].filter((id) => !byIdB.has(id)),
    onlyB: [...byIdB.keys()].filter((id) => !byIdA.has(id)),
  };
}

function indexById(records: readonly AnswerRecord[], side: string): Map<string, AnswerRecord> {
  const byId = new Map<string, AnswerRecord>();
  for (const record of records) {
    if (byId.has(record.id))
      throw new SaigaError(
        "SBS_DUPLICATE_ID",
        `Answer set ${side} answers task "${record.id}" twice; keep one.`,
      );
    byId.set(record.id, record);
  }
  return byId;
}

/** The label of a set's side (its records' `side`, several joined with "+"); `fallback` when empty. */
export function sideLabel(records: readonly AnswerRecord[], fallback: string): string {
  const labels = [...new Set(records.map((record) => record.side))];
  return labels.length ? labels.join("+") : fallback;
}
