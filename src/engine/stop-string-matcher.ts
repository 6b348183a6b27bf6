// Finds a request's stop strings in streamed text. The model writes a stop string over several
// tokens ("\n\nUser:" as "\n", "\n", "User", ":"), so text that could still become the start of
// one is held back until the next text decides it: a streamed delta never holds any part of a
// stop string, and the deltas add up to the answer up to (not including) the first one.
// node-llama-cpp has such a detector (StopGenerationDetector), but does not export it.

/** What {@link StopStringMatcher.push} decided. */
export interface StopMatch {
  /** Text that is now certain to be part of the answer. */
  text: string;
  /** True when a stop string was found: `text` ends right before it, and the answer is over. */
  stopped: boolean;
}

/** Incremental matcher of stop strings for one generation. */
export class StopStringMatcher {
  private readonly stops: string[];
  private held = "";
  private done = false;

  /** Empty strings are ignored (they would stop every answer before it starts). */
  constructor(stops: readonly string[]) {
    this.stops = [...new Set(stops.filter((stop) => stop.length > 0))];
  }

  /** Whether there is anything to match. */
  get active(): boolean {
    return this.stops.length > 0;
  }

  /** Adds generated text; returns what can be released and whether a stop string ended the answer. */
  push(text: string): StopMatch {
    if (this.done) return { text: "", stopped: true };
    if (!this.active) return { text, stopped: false };
    const buffer = this.held + text;
    const at = this.firstStop(buffer);
    if (at >= 0) {
      this.done = true;
      this.held = "";
      return { text: buffer.slice(0, at), stopped: true };
    }
    const keep = this.partialStopLength(buffer);
    this.held = buffer.slice(buffer.length - keep);
    return { text: buffer.slice(0, buffer.length - keep), stopped: false };
  }

  /** The text still held back, at the end of a generation that no stop string ended. */
  flush(): string {
    const rest = this.done ? "" : this.held;
    this.held = "";
    return rest;
  }

  /** Index of the earliest stop string in `text`, or -1. */
  private firstStop(text: string): number {
    let first = -1;
    for (const stop of this.stops) {
      const index = text.indexOf(stop);
      if (index >= 0 && (first < 0 || index < first)) first = index;
    }
    return first;
  }

  /** Length of the longest end of `text` that is the beginning of a stop string. */
  private partialStopLength(text: string): number {
    let longest = 0;
    for (const stop of this.stops) {
      for (let length = Math.min(stop.length - 1, text.length); length > longest; length--) {
        if (text.endsWith(stop.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
