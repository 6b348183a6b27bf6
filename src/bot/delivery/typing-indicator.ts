// "typing…" under the chat title while an answer is queued or about to start. Telegram shows a
// chat action for about 5 seconds, so it is repeated until the first text appears.
import type { Api } from "grammy";
import type { Logger } from "../../log/index.js";

const REPEAT_MS = 4500;

/** Sends `typing` now and every 4.5 s until stopped. Failures are logged at debug and ignored. */
export class TypingIndicator {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly api: Api,
    private readonly chatId: number,
    private readonly threadId: number | undefined,
    private readonly log?: Logger,
  ) {
    this.send();
    this.timer = setInterval(() => this.send(), REPEAT_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private send(): void {
    const other = this.threadId === undefined ? {} : { message_thread_id: this.threadId };
    this.api
      .sendChatAction(this.chatId, "typing", other)
      .catch((error: unknown) =>
        this.log?.debug({ err: error, chatId: this.chatId }, "typing action failed"),
      );
  }
}
