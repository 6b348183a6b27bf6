// Which tasks a request shows the teacher: mostly seeds, plus tasks the run has already made once
// there are some, as self-instruct does (rulm: all but one from the seeds, one generated). The
// choice is seeded by --seed and the request's number, so a run can be repeated.
import { SeededRandom } from "../../gguf/index.js";
import type { PoolTask } from "./seed-task.js";

/** `size` tasks for request number `request`: `size - 1` seeds and one generated task (if any). */
export function sampleExamples(
  seeds: readonly PoolTask[],
  generated: readonly PoolTask[],
  size: number,
  seed: number,
  request: number,
): PoolTask[] {
  const random = SeededRandom.forStream(seed, `self-instruct-request-${request}`);
  const fromGenerated = generated.length > 0 && size > 1 ? 1 : 0;
  const picked = [
    ...pick(seeds, Math.min(size - fromGenerated, seeds.length), random),
    ...pick(generated, fromGenerated, random),
  ];
  return shuffle(picked, random);
}

/** `count` distinct items, in random order. */
function pick<T>(items: readonly T[], count: number, random: SeededRandom): T[] {
  return shuffle([...items], random).slice(0, count);
}

function shuffle<T>(items: T[], random: SeededRandom): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
