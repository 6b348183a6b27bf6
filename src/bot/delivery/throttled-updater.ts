// Shows the newest value at most once per interval: streamed text arrives token by token, but
// Telegram allows about one edit per second in a private chat and 20 per minute in a group.
// Intermediate values are skipped, never queued; calls never overlap.

/** Applies the latest pushed value, no more often than every `intervalMs`. */
export class ThrottledUpdater<T> {
  private latest: { value: T } | undefined;
  private lastStart = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly apply: (value: T) => Promise<void>,
  ) {}

  /** Offers a new value; it is applied when the interval allows (unless a newer one comes first). */
  push(value: T): void {
    this.latest = { value };
    if (this.timer || this.running) return;
    this.schedule();
  }

  /** Drops a value not yet applied and waits for the one being applied. */
  async settle(): Promise<void> {
    this.latest = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(): void {
    const wait = Math.max(0, this.lastStart + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const next = this.latest;
      this.latest = undefined;
      if (!next) return;
      this.lastStart = Date.now();
      this.running = this.apply(next.value).finally(() => {
        this.running = undefined;
        if (this.latest) this.schedule();
      });
    }, wait);
  }
}
