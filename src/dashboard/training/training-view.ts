// The training page's HTML: the running (or waiting) job with its live numbers and a cancel
// button, a "train now" button, and the past runs with their outcome. The numbers carry ids that
// the page's script (training-script.ts) refreshes from /admin/api/training.
import { dataTable } from "../data-table.js";
import { html, type SafeHtml } from "../html.js";
import { adapterUrl } from "../adapters/adapters-view.js";
import type { TrainingRun, TrainingRuns } from "./training-runs.js";
import { confirmedAction } from "../confirmed-action.js";

/** The whole page body. */
export function trainingView(runs: TrainingRuns, csrf: string): SafeHtml {
  return html`${confirmedAction({
      action: "/admin/api/training/start",
      question: "Start a training from the stored feedback now (without the new-feedback threshold)?",
      csrf,
      label: "Train now",
      buttonClass: "primary train-now",
    })}
    <h2>Now</h2>
    <div id="training-current" data-jobs="${runs.current.map((run) => run.id).join(",")}">
      ${
        runs.current.length === 0
          ? html`<p class="muted">No training is running or waiting.</p>`
          : runs.current.map((run) => currentView(run, csrf))
      }
    </div>
    ${
      runs.nextScheduled === null
        ? ""
        : html`<p class="muted">Next scheduled training: ${timeOf(runs.nextScheduled)} UTC.</p>`
    }
    <h2>Past runs</h2>
    ${runs.past.length === 0 ? html`<p class="muted">None yet.</p>` : pastView(runs.past)}`;
}

function currentView(run: TrainingRun, csrf: string): SafeHtml {
  const progress = run.progress;
  return html`<div class="card training-run" data-job="${run.id}">
    <p>
      Job <strong>${run.id}</strong> · requested by ${run.requestedBy} ·
      <span id="run-state">${stateOf(run)}</span>
    </p>
    <div class="cards">
      ${stat("Step", "run-step", progress?.step !== undefined ? `${progress.step} / ${progress.steps ?? "?"}` : "—")}
      ${stat("Loss", "run-loss", progress?.loss !== undefined ? progress.loss.toFixed(4) : "—")}
      ${stat("Tokens/s", "run-tps", progress?.tokensPerS !== undefined ? progress.tokensPerS.toFixed(0) : "—")}
      ${stat("ETA", "run-eta", etaOf(progress?.etaSeconds))}
    </div>
    <div class="chart-box"><canvas id="training-live" aria-label="loss per step so far"></canvas></div>
    ${confirmedAction({
      action: "/admin/api/training/cancel",
      question: `Cancel training job ${run.id}? The trainer stops it; nothing is registered.`,
      csrf,
      fields: { jobId: run.id },
      label: "Cancel",
      buttonClass: "cancel",
    })}
  </div>`;
}

function pastView(runs: readonly TrainingRun[]): SafeHtml {
  return dataTable(
    ["Job", "Requested by", "Finished (UTC)", "Took", "Steps", "Outcome"],
    runs.map(
      (run) =>
        html`<tr data-job="${run.id}" data-state="${run.state}">
          <td>${run.id}</td>
          <td>${run.requestedBy}</td>
          <td>${run.finishedAt ? timeOf(run.finishedAt) : "—"}</td>
          <td>
            ${run.finishedAt && run.startedAt ? `${Math.round((run.finishedAt - run.startedAt) / 1000)} s` : "—"}
          </td>
          <td>${run.progress?.step ?? "—"}</td>
          <td>${outcomeOf(run)}</td>
        </tr>`,
    ),
  );
}

function outcomeOf(run: TrainingRun): SafeHtml {
  if (run.state === "failed") return html`<span class="bad">failed: ${run.failedReason ?? "?"}</span>`;
  const outcome = run.outcome;
  if (!outcome) return html`<span class="muted">?</span>`;
  if (outcome.skipped) return html`<span class="muted">skipped: ${outcome.skipped}</span>`;
  const gate = outcome.gate;
  return html`<a href="${adapterUrl(outcome.version ?? "")}">${outcome.version}</a>
    ${gate ? (gate.passed ? html`<span class="good">gate passed</span>` : html`<span class="bad">gate failed</span>`) : ""}
    ${outcome.activated ? "· activated" : ""}
    ${gate && !gate.passed ? html`<div class="muted">${gate.reasons.join("; ")}</div>` : ""}`;
}

function stat(label: string, id: string, value: string): SafeHtml {
  return html`<div class="card">
    <div class="muted">${label}</div>
    <div class="value" id="${id}">${value}</div>
  </div>`;
}

function stateOf(run: TrainingRun): string {
  if (run.state === "waiting") return "waiting for a trainer";
  return run.progress?.phase === "evaluating" ? "evaluating (gate and judge)" : "training";
}

/** Seconds as "1 h 2 min", "3 min 4 s" or "5 s". */
export function etaOf(seconds: number | undefined): string {
  if (seconds === undefined) return "—";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s} s` : `${s} s`;
}

function timeOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}
