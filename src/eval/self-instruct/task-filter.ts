// Decides whether a task the teacher invented joins the pool: long enough to be a task, short
// enough to be an instruction, doable by a text model, and not a near-duplicate of one already in
// the pool (self-instruct's ROUGE-L > 0.7 rule). A kept task is added to the pool at once, so the
// next one of the same batch is compared with it too.
import { blacklistedWord } from "./blacklist.js";
import type { DropReason } from "./self-instruct-report.js";
import type { PoolTask } from "./seed-task.js";
import type { SimilarityPool } from "./similarity-pool.js";
import { rougeTokens } from "./rouge-l.js";

/** Limits of {@link TaskFilter}. */
export interface TaskFilterOptions {
  /** ROUGE-L F-measure above which a task is a near-duplicate. Default: 0.7. */
  similarity?: number;
  /** Fewest words of an instruction. Default: 3 (self-instruct drops ≤ 2). */
  minInstructionWords?: number;
  /** Most words of an instruction. Default: 150. */
  maxInstructionWords?: number;
  /** Most words of an input. Default: 400. */
  maxInputWords?: number;
}

export class TaskFilter {
  private readonly similarity: number;
  private readonly minInstructionWords: number;
  private readonly maxInstructionWords: number;
  private readonly maxInputWords: number;

  constructor(
    private readonly pool: SimilarityPool,
    options: TaskFilterOptions = {},
  ) {
    this.similarity = options.similarity ?? 0.7;
    this.minInstructionWords = options.minInstructionWords ?? 3;
    this.maxInstructionWords = options.maxInstructionWords ?? 150;
    this.maxInputWords = options.maxInputWords ?? 400;
  }

  /** Why `task` is dropped, or null when it is kept (and then added to the pool). */
  admit(task: PoolTask): DropReason | null {
    const words = rougeTokens(task.instruction).length;
    if (words < this.minInstructionWords) return "tooShort";
    if (words > this.maxInstructionWords || rougeTokens(task.input).length > this.maxInputWords)
      return "tooLong";
    if (blacklistedWord(`${task.instruction}\n${task.input}`) !== null) return "blacklisted";
    if (this.pool.similarAbove(task.instruction, this.similarity)) return "similar";
    this.pool.add(task.instruction);
    return null;
  }
}
