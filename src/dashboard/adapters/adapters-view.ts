// The adapters pages' HTML: the list of every version (status, gate, judge, dataset, final loss,
// activate/rollback) and one version's page (gate reasons, hyper-parameters, metrics, loss curve).
// Actions are POST forms with the session's CSRF token that ask for confirmation first.
import type { AdapterManifest } from "../../store/adapter-manifest.js";
import { dataTable } from "../data-table.js";
import { html, type SafeHtml } from "../html.js";
import { confirmedAction } from "../confirmed-action.js";

/** Where a version's details are (the adapters page, showing it). */
export function adapterUrl(version: string): string {
  return `/admin/adapters?version=${encodeURIComponent(version)}#details`;
}

/** Where a version's loss curve is, as JSON. */
export function lossCurveUrl(version: string): string {
  return `/admin/api/adapters/${encodeURIComponent(version)}/loss-curve`;
}

/** The list page: newest version first, then the bare model's rollback target. */
export function adaptersListView(manifests: readonly AdapterManifest[], csrf: string): SafeHtml {
  const rows = manifests.toReversed().map(
    (manifest) => html`<tr data-version="${manifest.version}">
      <td><a href="${adapterUrl(manifest.version)}">${manifest.version}</a></td>
      <td>${statusBadge(manifest)}</td>
      <td>${new Date(manifest.createdAt).toISOString().slice(0, 16).replace("T", " ")}</td>
      <td>${gateVerdict(manifest)}</td>
      <td>${judgeScore(manifest)}</td>
      <td>${datasetSize(manifest)}</td>
      <td>${numberOf(manifest.metrics.final_loss, 4)}</td>
      <td>${activateForm(manifest, csrf)}</td>
    </tr>`,
  );
  return html`<p>
      ${rollbackForm(csrf)}
      <span class="muted">The active version serves on every engine; a change swaps it there.</span>
    </p>
    ${manifests.length === 0
      ? html`<p class="muted">No adapter yet: the trainer makes one from the feedback (saiga train --now).</p>`
      : dataTable(["Version", "Status", "Created (UTC)", "Gate", "Judge w-d-l", "Dataset", "Final loss", ""], rows)}`;
}

/** One version's page. */
export function adapterView(manifest: AdapterManifest, csrf: string): SafeHtml {
  // The trainer's metrics hold the hyper-parameters it chose (auto ones resolved); the manifest's
  // are the training settings it was asked for.
  const { hyperparameters: chosen, ...metrics } = manifest.metrics;
  const reasons = manifest.gate?.reasons ?? [];
  return html`<p>${statusBadge(manifest)} ${activateForm(manifest, csrf)} ${rollbackForm(csrf)}</p>
    <div class="cards">
      <div class="card"><div class="muted">Gate</div><div class="value">${gateVerdict(manifest)}</div></div>
      <div class="card"><div class="muted">Judge w-d-l</div><div class="value">${judgeScore(manifest)}</div></div>
      <div class="card"><div class="muted">Dataset (train+validation)</div><div class="value">${datasetSize(manifest)}</div></div>
      <div class="card">
        <div class="muted">Final loss</div>
        <div class="value">${numberOf(manifest.metrics.final_loss, 4)}</div>
      </div>
    </div>
    <h2>Training loss</h2>
    <div class="card chart-box">
      <canvas id="loss-curve" data-loss-curve="${lossCurveUrl(manifest.version)}" aria-label="loss per step"></canvas>
      <p class="muted" id="loss-curve-note"></p>
    </div>
    <h2>Gate</h2>
    ${reasons.length === 0
      ? html`<p class="muted">Not evaluated.</p>`
      : html`<ul class="gate-reasons">
          ${reasons.map((reason) => html`<li>${reason}</li>`)}
        </ul>`}
    ${manifest.gate?.judge ? judgeDetails(manifest) : ""}
    <h2>Hyper-parameters</h2>
    ${typeof chosen === "object" && chosen !== null ? keyValues(chosen as Record<string, unknown>) : ""}
    <h2>Training settings</h2>
    ${keyValues(manifest.hyperparameters)}
    <h2>Metrics</h2>
    ${keyValues(metrics)}
    <h2>Files</h2>
    ${keyValues({
      file: manifest.file,
      sha256: manifest.sha256,
      bytes: manifest.bytes,
      baseModel: `${manifest.baseModel.file} (${manifest.baseModel.sha256.slice(0, 12)}…)`,
      datasetHash: manifest.dataset?.hash ?? "own data",
    })}`;
}

function statusBadge(manifest: AdapterManifest): SafeHtml {
  const tone = manifest.status === "active" ? "good" : manifest.status === "rejected" ? "bad" : "muted";
  return html`<span class="status ${tone}" data-status="${manifest.status}">${manifest.status}</span>`;
}

function gateVerdict(manifest: AdapterManifest): SafeHtml {
  if (!manifest.gate) return html`<span class="muted">not evaluated</span>`;
  return manifest.gate.passed
    ? html`<span class="good" title="${manifest.gate.reasons.join("\n")}">passed</span>`
    : html`<span class="bad" title="${manifest.gate.reasons.join("\n")}">failed</span>`;
}

function judgeScore(manifest: AdapterManifest): string {
  const judge = manifest.gate?.judge;
  return judge ? `${judge.wins}-${judge.draws}-${judge.losses}` : "—";
}

function judgeDetails(manifest: AdapterManifest): SafeHtml {
  const judge = manifest.gate!.judge!;
  const interval = judge.winRateInterval ? ` (95%: ${judge.winRateInterval.map((x) => x.toFixed(2)).join("–")})` : "";
  return html`<p>
    Judge ${judge.model}: ${judge.wins} wins, ${judge.draws} draws, ${judge.losses} losses
    ${judge.winRate !== null && judge.winRate !== undefined ? `· win rate ${judge.winRate.toFixed(2)}${interval}` : ""}
    ${judge.unparsed + judge.failed > 0 ? `· ${judge.unparsed} unreadable, ${judge.failed} not asked` : ""}
  </p>`;
}

function datasetSize(manifest: AdapterManifest): string {
  return manifest.dataset ? `${manifest.dataset.train}+${manifest.dataset.validation}` : "own data";
}

function numberOf(value: unknown, digits: number): string {
  return typeof value === "number" ? value.toFixed(digits) : "—";
}

function keyValues(values: Record<string, unknown>): SafeHtml {
  const entries = Object.entries(values).filter(([, value]) => value !== undefined && value !== null);
  if (entries.length === 0) return html`<p class="muted">None.</p>`;
  return html`<div class="table-wrap">
    <table class="key-values">
      ${entries.map(
        ([key, value]) =>
          html`<tr><th>${key}</th><td>${typeof value === "object" ? JSON.stringify(value) : String(value)}</td></tr>`,
      )}
    </table>
  </div>`;
}

function activateForm(manifest: AdapterManifest, csrf: string): SafeHtml | string {
  if (manifest.status === "active") return "";
  const rejected = manifest.status === "rejected";
  const question = rejected
    ? `Adapter ${manifest.version} failed the evaluation gate. Activate it anyway on every engine?`
    : `Activate adapter ${manifest.version} on every engine?`;
  return confirmedAction({
    action: "/admin/api/adapters/activate",
    question,
    csrf,
    fields: { version: manifest.version, ...(rejected ? { force: "1" } : {}) },
    label: "Activate",
    buttonClass: "activate",
  });
}

function rollbackForm(csrf: string): SafeHtml {
  return confirmedAction({
    action: "/admin/api/adapters/rollback",
    question: "Roll back to the version that was active before this one, on every engine?",
    csrf,
    label: "Roll back",
    buttonClass: "rollback",
  });
}
