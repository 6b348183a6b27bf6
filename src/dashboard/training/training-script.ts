// The training page's browser script: polls /admin/api/training every 2 s, refreshes the running
// job's step, loss, tokens/s, ETA and live loss chart, and reloads the page when a job starts or
// ends (so that the past runs show its outcome).
export const TRAINING_SCRIPT = `
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("training-current");
  if (!box) return;
  const eta = (s) => s === undefined ? "—" : s >= 3600 ? Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min"
    : s >= 60 ? Math.floor(s / 60) + " min " + Math.round(s % 60) + " s" : Math.round(s) + " s";
  saiga.poll("/admin/api/training", 2000, (runs) => {
    const ids = runs.current.map((run) => run.id).join(",");
    if (ids !== box.dataset.jobs) { location.reload(); return; }
    const run = runs.current[0];
    const p = run && run.progress;
    if (!p) return;
    saiga.text("run-state", run.state === "waiting" ? "waiting for a trainer" : p.phase === "evaluating" ? "evaluating (gate and judge)" : "training");
    if (p.step !== undefined) saiga.text("run-step", p.step + " / " + (p.steps ?? "?"));
    if (p.loss !== undefined) saiga.text("run-loss", p.loss.toFixed(4));
    if (p.tokensPerS !== undefined) saiga.text("run-tps", p.tokensPerS.toFixed(0));
    saiga.text("run-eta", eta(p.etaSeconds));
    const canvas = document.getElementById("training-live");
    if (canvas && window.saigaLossChart && p.curve.length > 0) saigaLossChart(canvas, p.curve);
  });
});
`;
