// Streams one answer from its token stream into Telegram: typing while queued (with the queue
// position when it is long), a draft or an edited message while generating, then the formatted
// answer in parts with 👍 👎 🔄. Progress is saved in the job, so a delivery taken over after a
// gateway crash continues instead of repeating what the user already has.
import type { Api } from "grammy";
import type { RedisConnection } from "../../store/redis-connection.js";
import type { Config } from "../../config/index.js";
import type { Logger } from "../../log/index.js";
import type { GenerationClient } from "../../service/generation-client.js";
import { readTokenStream, type TokenStreamEntry } from "../../service/token-stream.js";
import type { RedisKeys } from "../../store/redis-keys.js";
import { textsOf } from "../i18n/language.js";
import { splitMessage } from "../render/split-message.js";
import { feedbackKeyboard } from "./answer-keyboard.js";
import { DraftPreview, MessagePreview, type AnswerPreview, type AnswerTarget } from "./answer-preview.js";
import { isUnsupportedMethod } from "./bot-api-failures.js";
import type { DeliveryJob, DeliveryProgress } from "./delivery-job.js";
import { sendAnswerPart } from "./final-answer.js";
import { ThrottledUpdater } from "./throttled-updater.js";
import { TypingIndicator } from "./typing-indicator.js";

/** Shared by every delivery of a process. */
export interface AnswerDeliveryContext {
  api: Api;
  /** A connection of this delivery's own (XREAD BLOCK holds it). */
  reader: RedisConnection;
  keys: RedisKeys;
  generation: GenerationClient;
  telegram: Config["telegram"];
  /** Cleared when the server refuses drafts, so later answers go straight to edited messages. */
  drafts: { supported: boolean };
  log?: Logger;
}

/** How long a stream may stay silent before the generation job is checked. */
const IDLE_CHECK_MS = 30_000;
/** When to look up the queue position if nothing has arrived yet. */
const NOTICE_AFTER_MS = 1500;

type EndEntry = Extract<TokenStreamEntry, { type: "end" }>;

/** What a delivery did. */
export interface DeliveryOutcome {
  parts: number;
  preview: "draft" | "message";
  outcome: "answered" | "stopped" | "failed" | "skipped";
}

/** Delivers one answer. `save` persists progress (job data). */
export async function deliverAnswer(
  job: DeliveryJob,
  context: AnswerDeliveryContext,
  save: (progress: DeliveryProgress) => Promise<void>,
  signal?: AbortSignal,
): Promise<DeliveryOutcome> {
  const { api, telegram, log } = context;
  const t = textsOf(job.language);
  const progress: DeliveryProgress = { sentParts: 0, ...job.progress };
  const target: AnswerTarget = {
    api,
    chatId: Number(job.chatId),
    requestId: job.requestId,
    ...(job.threadId === undefined ? {} : { threadId: job.threadId }),
    ...(job.replyTo === undefined ? {} : { replyTo: job.replyTo }),
  };
  const messagePreview = new MessagePreview(target, t.buttonStop, progress.previewMessageId, async (id) => {
    progress.previewMessageId = id;
    await save(progress);
  });
  const useDraft =
    job.chatType === "private" &&
    telegram.drafts &&
    context.drafts.supported &&
    progress.previewMessageId === undefined;
  let preview: AnswerPreview = useDraft ? new DraftPreview(target, job.answer + 1) : messagePreview;
  const interval =
    preview.kind === "draft"
      ? telegram.draftIntervalMs
      : job.chatType === "private"
        ? telegram.privateEditIntervalMs
        : telegram.groupEditIntervalMs;

  const updater = new ThrottledUpdater<string>(interval, async (text) => {
    try {
      await preview.show(text);
    } catch (error) {
      if (preview.kind === "draft" && isUnsupportedMethod(error)) {
        // A Bot API server without drafts: say so once, then stream by editing a message.
        context.drafts.supported = false;
        log?.warn({ err: error }, "the Bot API server refused sendMessageDraft; streaming by edits instead");
        preview = messagePreview;
        await preview.show(text).catch((e: unknown) => log?.warn({ err: e }, "streaming edit failed"));
      } else {
        log?.warn({ err: error, requestId: job.requestId }, "streaming update failed");
      }
    }
  });

  const typing = new TypingIndicator(api, target.chatId, job.threadId, log);
  let text = "";
  let seenAnything = false;
  const notice = setTimeout(() => {
    if (telegram.queueNoticeFrom === 0) return;
    void context.generation.position(job.requestId).then(
      (position) => {
        if (!seenAnything && position !== null && position >= telegram.queueNoticeFrom) {
          updater.push(t.queued(position));
        }
      },
      (error: unknown) => log?.debug({ err: error }, "queue position lookup failed"),
    );
  }, NOTICE_AFTER_MS);

  let end: EndEntry | undefined;
  try {
    end = await readUntilEnd(context, job.requestId, signal, (entry) => {
      seenAnything = true;
      if (entry.type === "delta") {
        typing.stop();
        text += entry.text;
        if (text.trim() !== "") updater.push(text);
      } else if (entry.type === "reset") text = ""; // a retried generation starts over
    });
  } finally {
    clearTimeout(notice);
    typing.stop();
    await updater.settle();
  }

  const outcome = outcomeOf(end);
  if (outcome === "skipped") {
    // Nothing to answer any more (the chat was reset meanwhile): remove the streaming message.
    if (messagePreview.messageId !== undefined) {
      await api.deleteMessage(target.chatId, messagePreview.messageId).catch(() => undefined);
    }
    return { parts: 0, preview: preview.kind, outcome };
  }
  const finalText =
    outcome === "failed"
      ? t.answerFailed
      : outcome === "stopped"
        ? [end?.text.trim(), t.stoppedMark].filter(Boolean).join("\n\n")
        : end?.text.trim() || t.emptyAnswer;
  const parts = splitMessage(finalText);
  // Only a complete answer can be rated or regenerated (a stopped one is not in the history).
  const keyboard = outcome === "answered" ? feedbackKeyboard(job.requestId) : undefined;
  for (let i = progress.sentParts; i < parts.length; i++) {
    const last = i === parts.length - 1;
    await sendAnswerPart(target, parts[i] as string, {
      ...(last && keyboard ? { keyboard } : {}),
      ...(i === 0 && messagePreview.messageId !== undefined
        ? { editMessageId: messagePreview.messageId }
        : {}),
      reply: i === 0,
      ...(log ? { log } : {}),
    });
    progress.sentParts = i + 1;
    await save(progress);
  }
  return { parts: parts.length, preview: preview.kind, outcome };
}

function outcomeOf(end: EndEntry | undefined): DeliveryOutcome["outcome"] {
  if (!end || end.outcome === "failed") return "failed";
  if (end.outcome === "skipped") return "skipped";
  if (end.outcome === "cancelled" || end.stats?.stopReason === "aborted") return "stopped";
  return "answered";
}

/**
 * Reads the request's stream to its end. A long silence is normal while the job waits in a busy
 * queue; it only ends the delivery when the generation job is gone without an end entry.
 */
async function readUntilEnd(
  context: AnswerDeliveryContext,
  requestId: string,
  signal: AbortSignal | undefined,
  onEntry: (entry: TokenStreamEntry) => void,
): Promise<EndEntry | undefined> {
  let after: string | undefined;
  for (;;) {
    for await (const entry of readTokenStream(context.reader, context.keys, requestId, {
      idleTimeoutMs: IDLE_CHECK_MS,
      ...(after === undefined ? {} : { after }),
      ...(signal ? { signal } : {}),
    })) {
      after = entry.id;
      if (entry.type === "end") return entry;
      onEntry(entry);
    }
    const state = await context.generation.queue.getJobState(requestId);
    if (!["waiting", "prioritized", "delayed", "active", "waiting-children"].includes(state)) {
      context.log?.warn({ requestId, state }, "generation ended without finishing its stream");
      return undefined;
    }
  }
}
