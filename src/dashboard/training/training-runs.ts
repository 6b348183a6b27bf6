// The training page's data: the running (or waiting) train job with its live progress, and past
// runs with their outcome, read from the BullMQ `train` queue (completed and failed jobs are kept
// for 30 days there; the adapters themselves stay in the registry).
import type { Job } from "bullmq";
import type { TrainingOutcome } from "../../training/training-job.js";
import { trainingJobSchema } from "../../training/training-job.js";
import { trainingProgressSchema, type TrainingProgress } from "../../training/training-progress.js";
import type { TrainingQueue } from "../../training/training-queue.js";

/** One train job as the page shows it. */
export interface TrainingRun {
  id: string;
  state: "active" | "waiting" | "scheduled" | "completed" | "failed";
  requestedBy: string;
  force: boolean;
  queuedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Live progress (running jobs; a finished one keeps its last). */
  progress: TrainingProgress | null;
  /** What it ended with (completed jobs). */
  outcome: TrainingOutcome | null;
  /** Why it failed (failed jobs). */
  failedReason: string | null;
}

/** Running and waiting jobs, the schedule's next one, then the newest finished ones. */
export interface TrainingRuns {
  current: TrainingRun[];
  /** When the schedule adds its next job (ms), null without a schedule. */
  nextScheduled: number | null;
  past: TrainingRun[];
}

/** Reads the queue; `limit` past runs at most. */
export async function trainingRuns(training: TrainingQueue, limit = 30): Promise<TrainingRuns> {
  const queue = training.queue;
  const [active, waiting, delayed, completed, failed] = await Promise.all([
    queue.getJobs(["active"]),
    queue.getJobs(["waiting", "prioritized"]),
    queue.getJobs(["delayed"]),
    queue.getJobs(["completed"], 0, limit - 1),
    queue.getJobs(["failed"], 0, limit - 1),
  ]);
  const past = [
    ...completed.map((job) => runOf(job, "completed")),
    ...failed.map((job) => runOf(job, "failed")),
  ]
    .sort((a, b) => (b.finishedAt ?? b.queuedAt) - (a.finishedAt ?? a.queuedAt))
    .slice(0, limit);
  return {
    current: [...active.map((job) => runOf(job, "active")), ...waiting.map((job) => runOf(job, "waiting"))],
    // The job scheduler's next job waits as a delayed job until its time.
    nextScheduled: delayed.length === 0 ? null : Math.min(...delayed.map((job) => job.timestamp + job.delay)),
    past,
  };
}

function runOf(job: Job, state: TrainingRun["state"]): TrainingRun {
  const data = trainingJobSchema.safeParse(job.data);
  const progress = trainingProgressSchema.safeParse(job.progress);
  return {
    id: String(job.id),
    state,
    requestedBy: data.success ? data.data.requestedBy : "?",
    force: data.success ? data.data.force : false,
    queuedAt: job.timestamp,
    startedAt: job.processedOn ?? null,
    finishedAt: job.finishedOn ?? null,
    progress: progress.success ? progress.data : null,
    outcome: state === "completed" ? ((job.returnvalue as TrainingOutcome | null) ?? null) : null,
    failedReason: state === "failed" ? (job.failedReason ?? null) : null,
  };
}
