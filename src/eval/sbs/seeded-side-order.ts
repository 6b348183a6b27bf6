// Which side is shown first for a task: a coin flip from the hash of the seed and the task id, so
// a run is reproducible with its seed whatever order the concurrent requests finish in.
import { createHash } from "node:crypto";

/** Whether side A's answer is shown first (as "A") for task `id` under `seed`. */
export function sideAFirst(seed: number, id: string): boolean {
  return createHash("sha256").update(`${seed}\u0000${id}`).digest()[0]! % 2 === 0;
}
