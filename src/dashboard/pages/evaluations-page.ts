// The evaluations page (/admin/evaluations): the side-by-side runs of `saiga eval sbs` found in
// the evaluations folder, newest first, each with wins-draws-losses overall and a chart of them
// per category; /admin/evaluations/<run> shows one run with its table and report files.
import type { FastifyInstance } from "fastify";
import { evaluationsDir, SBS_FILES } from "../../eval/sbs/index.js";
import { BAR_CHARTS_SCRIPT_PATH, type BarChart } from "../bar-charts-script.js";
import { CHART_SCRIPT_PATH } from "../chart-script.js";
import { dataTable } from "../data-table.js";
import { html, type SafeHtml } from "../html.js";
import { pageLayout } from "../page-layout.js";
import { csrfOf, registerPage } from "../register-page.js";
import type { DashboardContext } from "../dashboard-context.js";
import {
  listEvaluationRuns,
  readEvaluationRun,
  type EvaluationResult,
  type EvaluationRun,
} from "../evaluations/evaluation-runs.js";

type Tally = EvaluationResult["overall"];

/** Adds the page and a run's own page to the dashboard's app (prefixed /admin). */
export function registerEvaluationsPage(app: FastifyInstance, { runtime }: DashboardContext): void {
  const { config, log } = runtime;
  const dir = evaluationsDir(config);
  const scripts = html`<script src="${CHART_SCRIPT_PATH}" defer></script>
    <script src="${BAR_CHARTS_SCRIPT_PATH}" defer></script>`;
  registerPage(app, {
    path: "/evaluations",
    title: "Evaluations",
    async render() {
      const runs = await listEvaluationRuns(dir, log);
      if (runs.length === 0)
        return html`<p class="muted">
          No side-by-side runs in ${dir} yet. <code>saiga eval sbs</code> writes each run into a subfolder
          there (or point <code>dashboard.evaluationsDir</code> at the folder holding your runs).
        </p>`;
      return html`<div class="charts">${runs.map((run) => runCard(run, app.prefix))}</div>
        ${scripts}`;
    },
  });
  // One run; not in the navigation bar.
  app.get<{ Params: { run: string } }>("/evaluations/:run", async (request, reply) => {
    const run = await readEvaluationRun(dir, request.params.run, log);
    if (run === null)
      return reply.code(404).type("text/plain; charset=utf-8").send("No such evaluation run.");
    const body = html`<p><a href="${app.prefix}/evaluations">← all runs</a></p>
      ${runCard(run, app.prefix)}${categoryTable(run.result)}
      <p class="muted">
        Files in ${dir}/${run.id}: ${SBS_FILES.result}, ${SBS_FILES.report}, ${SBS_FILES.chart}
      </p>
      ${scripts}`;
    const document = pageLayout(body, {
      title: `Evaluation ${run.id}`,
      currentUrl: `${app.prefix}/evaluations`,
      nav: app.dashboardNav,
      csrf: csrfOf(request),
    });
    return reply.type("text/html; charset=utf-8").send(document.value);
  });
}

function runCard(run: EvaluationRun, prefix: string): SafeHtml {
  const { result } = run;
  const categories = Object.entries(result.categories);
  const series = (label: string, color: string, count: (tally: Tally) => number) => ({
    label,
    color,
    data: categories.map(([, tally]) => count(tally)),
  });
  const chart: BarChart = {
    labels: categories.map(([name]) => name),
    horizontal: true,
    series: [
      series("wins (A)", "#2e9d4f", (tally) => tally.wins),
      series("draws", "#c9a227", (tally) => tally.draws),
      series("losses (A)", "#d64545", (tally) => tally.losses),
    ],
  };
  const height = 60 + 28 * Math.max(categories.length, 1);
  return html`<section class="card evaluation" data-run="${run.id}">
    <h2><a href="${prefix}/evaluations/${encodeURIComponent(run.id)}">${run.id}</a></h2>
    <p>
      <strong>${result.sideA}</strong> vs <strong>${result.sideB}</strong>
      <span class="muted"
        >· judge ${result.judgeModel} · ${new Date(run.time).toISOString().slice(0, 16).replace("T", " ")}
        UTC</span
      >
    </p>
    <p class="wdl">${wdlText(result.overall)}</p>
    <div style="position: relative; height: ${height}px">
      <canvas data-bar-chart="${JSON.stringify(chart)}"></canvas>
    </div>
  </section>`;
}

/** `12-3-5 (wins-draws-losses), win rate 75.0% (95% CI 60.0–88.0%)`. */
function wdlText(tally: Tally): string {
  const rate =
    tally.winRate === null
      ? "no verdicts"
      : `win rate ${percent(tally.winRate)}${tally.winRateInterval ? ` (95% CI ${percent(tally.winRateInterval[0])}–${percent(tally.winRateInterval[1])})` : ""}`;
  const extra =
    tally.unparsed + tally.failed > 0 ? `; unparsed ${tally.unparsed}, failed ${tally.failed}` : "";
  return `${tally.wins}-${tally.draws}-${tally.losses} (wins-draws-losses of A), ${rate}${extra}`;
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function categoryTable(result: EvaluationResult): SafeHtml {
  const rows = [["overall", result.overall] as const, ...Object.entries(result.categories)].map(
    ([name, tally]) =>
      html`<tr>
        <td>${name}</td>
        <td>${tally.tasks}</td>
        <td>${tally.wins}</td>
        <td>${tally.draws}</td>
        <td>${tally.losses}</td>
        <td>${tally.winRate === null ? "—" : percent(tally.winRate)}</td>
        <td>${tally.unparsed + tally.failed}</td>
      </tr>`,
  );
  return html`<h2>Per category</h2>
    ${dataTable(["Category", "Tasks", "Wins", "Draws", "Losses", "Win rate", "No verdict"], rows)}`;
}
