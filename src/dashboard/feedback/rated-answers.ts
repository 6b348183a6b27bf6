// The newest rated answers for the feedback page, with personal data scrubbed as the dataset
// scrubs it, and nothing shown of a user who opted out of training (`/privacy off`).
import type { FeedbackKind, FeedbackRecord } from "../../store/feedback-store.js";
import { scrubPersonalData } from "../../training/dataset/scrub-personal-data.js";

/** One rated answer as the page shows it. */
export interface RatedAnswer {
  time: number;
  kind: FeedbackKind;
  model: string;
  adapter: string | null;
  /** The conversation the model answered, scrubbed; empty when the user opted out. */
  prompt: { role: "system" | "user" | "assistant"; content: string }[];
  /** The answer, scrubbed; null when the user opted out. */
  answer: string | null;
}

/** Options of {@link newestRatedAnswers}. */
export interface RatedAnswersOptions {
  limit: number;
  /** Only this kind (the 👎 filter); all kinds when absent. */
  kind?: FeedbackKind;
  /** Users (and chats) whose texts are not shown. */
  optedOut?: ReadonlySet<string>;
}

/** The newest `limit` records of `records` (any order), newest first. */
export function newestRatedAnswers(
  records: readonly FeedbackRecord[],
  options: RatedAnswersOptions,
): RatedAnswer[] {
  const optedOut = options.optedOut ?? new Set<string>();
  return records
    .filter((record) => options.kind === undefined || record.kind === options.kind)
    .toSorted((a, b) => b.time - a.time)
    .slice(0, options.limit)
    .map((record) => {
      const hidden = optedOut.has(record.userId) || optedOut.has(record.chatId);
      return {
        time: record.time,
        kind: record.kind,
        model: record.model,
        adapter: record.adapter,
        prompt: hidden
          ? []
          : record.prompt.map((message) => ({
              role: message.role,
              content: scrubPersonalData(message.content),
            })),
        answer: hidden ? null : scrubPersonalData(record.answer),
      };
    });
}
