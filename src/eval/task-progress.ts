// Progress of a run over many tasks (answers, judgements, generated data): a bar on a terminal,
// plain log lines elsewhere (tests, CI, a log file), so the output stays readable either way.
import { Presets, SingleBar } from "cli-progress";
import type { Logger } from "../log/index.js";

/** Options of {@link TaskProgress}. */
export interface TaskProgressOptions {
  /** What is counted, e.g. `answers`. */
  label: string;
  /** Items of the whole run, those finished earlier included. */
  total: number;
  /** Items finished by an earlier run. Default: 0. */
  done?: number;
  log?: Logger;
  /** Draw a bar. Default: when stderr is a terminal. */
  bar?: boolean;
}

/** Counts finished items and shows them. Call {@link stop} when the run ends. */
export class TaskProgress {
  private readonly bar?: SingleBar;
  private done: number;

  constructor(private readonly options: TaskProgressOptions) {
    this.done = options.done ?? 0;
    if (options.bar ?? process.stderr.isTTY === true) {
      this.bar = new SingleBar(
        {
          stream: process.stderr,
          format: `${options.label} {bar} {value}/{total} | {eta_formatted} left | {last}`,
          hideCursor: true,
        },
        Presets.shades_classic,
      );
      this.bar.start(options.total, this.done, { last: "" });
    }
  }

  /** One more item finished (`item` names it, e.g. a task id). */
  tick(item: string): void {
    this.done++;
    if (this.bar) this.bar.update(this.done, { last: item });
    else this.options.log?.info({ item, done: this.done, total: this.options.total }, this.options.label);
  }

  /** Ends the bar (idempotent). */
  stop(): void {
    this.bar?.stop();
  }
}
