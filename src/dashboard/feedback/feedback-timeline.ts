// 👍/👎/🔄 counts over time, overall and per adapter version, for the feedback page's charts.
// Buckets are hours when the records span under two days, else UTC days; empty buckets between
// the first and the last record are kept (a chart's gaps are days without votes, not missing ones).
import { FEEDBACK_KINDS, type FeedbackKind, type FeedbackRecord } from "../../store/feedback-store.js";

/** Counts of one time bucket. */
export interface FeedbackBucket extends Record<FeedbackKind, number> {
  /** Start of the bucket, ms since the epoch (UTC). */
  start: number;
}

/** The counts of the feedback page. */
export interface FeedbackTimeline {
  bucket: "hour" | "day";
  totals: Record<FeedbackKind, number>;
  overall: FeedbackBucket[];
  /** By adapter version; the bare model is listed under {@link BASE_MODEL_LABEL}. */
  byAdapter: Record<string, FeedbackBucket[]>;
}

/** The name the timeline gives answers of the bare model (no adapter). */
export const BASE_MODEL_LABEL = "base model";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Hourly buckets up to this span; daily beyond. */
const HOURLY_SPAN = 2 * DAY;
/** At most this many buckets: a long history shows its newest part. */
const MAX_BUCKETS = 90;

/** Buckets `records` (any order). */
export function feedbackTimeline(records: readonly FeedbackRecord[]): FeedbackTimeline {
  const totals = emptyCounts();
  if (records.length === 0) return { bucket: "hour", totals, overall: [], byAdapter: {} };
  const times = records.map((record) => record.time);
  const first = Math.min(...times);
  const last = Math.max(...times);
  const size = last - first < HOURLY_SPAN ? HOUR : DAY;
  const lastStart = Math.floor(last / size) * size;
  const firstStart = Math.max(Math.floor(first / size) * size, lastStart - (MAX_BUCKETS - 1) * size);
  const starts: number[] = [];
  for (let start = firstStart; start <= lastStart; start += size) starts.push(start);

  const series = (): FeedbackBucket[] => starts.map((start) => ({ start, ...emptyCounts() }));
  const overall = series();
  const byAdapter: Record<string, FeedbackBucket[]> = {};
  for (const record of records) {
    totals[record.kind]++;
    const index = Math.floor(record.time / size) - firstStart / size;
    if (index < 0) continue;
    const label = record.adapter ?? BASE_MODEL_LABEL;
    (overall[index] as FeedbackBucket)[record.kind]++;
    ((byAdapter[label] ??= series())[index] as FeedbackBucket)[record.kind]++;
  }
  return { bucket: size === HOUR ? "hour" : "day", totals, overall, byAdapter: sortedByKey(byAdapter) };
}

function emptyCounts(): Record<FeedbackKind, number> {
  return Object.fromEntries(FEEDBACK_KINDS.map((kind) => [kind, 0])) as Record<FeedbackKind, number>;
}

function sortedByKey<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
