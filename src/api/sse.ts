// Server-sent events as OpenAI streams them: `data: <json>` events, then `data: [DONE]`. Writes
// wait for the socket to drain, so a slow client slows its reader instead of filling memory.
import { once } from "node:events";
import type { ServerResponse } from "node:http";

/** One SSE response. */
export class SseWriter {
  constructor(private readonly response: ServerResponse) {}

  /** Sends the status line and headers (200, `text/event-stream`). */
  open(headers: Record<string, string> = {}): void {
    this.response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      // Proxies such as nginx would otherwise buffer the stream.
      "x-accel-buffering": "no",
      ...headers,
    });
    // The headers go out now, not with the first event.
    this.response.flushHeaders();
  }

  /** Whether the client is gone (nothing more can be written). */
  get closed(): boolean {
    return this.response.destroyed || this.response.writableEnded;
  }

  /** Sends one event with `data` as JSON. */
  async send(data: unknown): Promise<void> {
    await this.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  /** Sends `data: [DONE]` and ends the response. */
  async done(): Promise<void> {
    await this.write("data: [DONE]\n\n");
    this.response.end();
  }

  private async write(text: string): Promise<void> {
    if (this.closed) return;
    if (!this.response.write(text)) {
      await Promise.race([once(this.response, "drain"), once(this.response, "close")]);
    }
  }
}
