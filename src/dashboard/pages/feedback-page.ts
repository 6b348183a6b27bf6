// The feedback page (/admin/feedback): 👍/👎/🔄 counts over time as stacked bars, overall and per
// adapter version, and the newest rated answers with prompt and answer (personal data scrubbed,
// nothing of users who opted out), with a filter for 👎 (`?kind=down`).
import type { FastifyInstance, FastifyRequest } from "fastify";
import { FEEDBACK_KINDS, type FeedbackKind } from "../../store/feedback-store.js";
import { PrivacyChoices } from "../../store/privacy-choices.js";
import { BAR_CHARTS_SCRIPT_PATH, type BarChart } from "../bar-charts-script.js";
import { CHART_SCRIPT_PATH } from "../chart-script.js";
import { dataTable } from "../data-table.js";
import { html, type SafeHtml } from "../html.js";
import { registerPage } from "../register-page.js";
import type { DashboardContext } from "../dashboard-context.js";
import {
  feedbackTimeline,
  type FeedbackBucket,
  type FeedbackTimeline,
} from "../feedback/feedback-timeline.js";
import { newestRatedAnswers, type RatedAnswer } from "../feedback/rated-answers.js";

/** Rated answers listed. */
const NEWEST = 50;
const MARK: Record<FeedbackKind, string> = { up: "👍", down: "👎", regenerated: "🔄" };
const COLOR: Record<FeedbackKind, string> = { up: "#2e9d4f", down: "#d64545", regenerated: "#8a8f98" };

/** Adds the page to the dashboard's app (prefixed /admin). */
export function registerFeedbackPage(app: FastifyInstance, { runtime }: DashboardContext): void {
  const privacy = new PrivacyChoices({ redis: runtime.redis, keys: runtime.keys });
  registerPage(app, {
    path: "/feedback",
    title: "Feedback",
    async render(request: FastifyRequest) {
      const kind = kindFilter(request);
      const [records, optedOut] = await Promise.all([runtime.feedback.since(0), privacy.optedOut()]);
      const timeline = feedbackTimeline(records);
      const answers = newestRatedAnswers(records, { limit: NEWEST, optedOut, ...(kind ? { kind } : {}) });
      return html`${totalsOf(timeline)}${chartsOf(timeline)}${answersOf(answers, kind, app.prefix)}
        <script src="${CHART_SCRIPT_PATH}" defer></script>
        <script src="${BAR_CHARTS_SCRIPT_PATH}" defer></script>`;
    },
  });
}

function kindFilter(request: FastifyRequest): FeedbackKind | undefined {
  const kind = (request.query as { kind?: unknown } | undefined)?.kind;
  return FEEDBACK_KINDS.find((known) => known === kind);
}

function totalsOf(timeline: FeedbackTimeline): SafeHtml {
  return html`<div class="cards">
    ${FEEDBACK_KINDS.map(
      (kind) =>
        html`<div class="card">
          <div class="muted">${MARK[kind]} ${kind}</div>
          <div class="value" data-count="${kind}">${timeline.totals[kind]}</div>
        </div>`,
    )}
  </div>`;
}

function chartsOf(timeline: FeedbackTimeline): SafeHtml {
  if (timeline.overall.length === 0) return html`<p class="muted">No feedback yet.</p>`;
  const per = timeline.bucket === "hour" ? "hour (UTC)" : "day (UTC)";
  return html`<h2>Over time, per ${per}</h2>
    ${chartOf("All answers", timeline.overall, timeline.bucket)}
    <h2>Per adapter version</h2>
    <div class="charts">
      ${Object.entries(timeline.byAdapter).map(([adapter, buckets]) => chartOf(adapter, buckets, timeline.bucket))}
    </div>`;
}

function chartOf(title: string, buckets: FeedbackBucket[], size: FeedbackTimeline["bucket"]): SafeHtml {
  const chart: BarChart = {
    labels: buckets.map((bucket) => bucketLabel(bucket.start, size)),
    horizontal: false,
    series: FEEDBACK_KINDS.map((kind) => ({
      label: `${MARK[kind]} ${kind}`,
      color: COLOR[kind],
      data: buckets.map((bucket) => bucket[kind]),
    })),
  };
  return html`<figure class="card chart" data-adapter="${title}">
    <figcaption>${title}</figcaption>
    <div class="chart-box"><canvas data-bar-chart="${JSON.stringify(chart)}"></canvas></div>
  </figure>`;
}

/** `2026-12-01` for a day, `12-01 14:00` for an hour (UTC). */
function bucketLabel(start: number, size: FeedbackTimeline["bucket"]): string {
  const iso = new Date(start).toISOString();
  return size === "day" ? iso.slice(0, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

function answersOf(answers: RatedAnswer[], kind: FeedbackKind | undefined, prefix: string): SafeHtml {
  const url = `${prefix}/feedback`;
  const filter = html`<p class="filter">
    Show: ${kind ? html`<a href="${url}">all</a>` : html`<strong>all</strong>`} ·
    ${kind === "down" ? html`<strong>👎 only</strong>` : html`<a href="${url}?kind=down">👎 only</a>`}
  </p>`;
  const rows = answers.map(
    (answer) =>
      html`<tr class="rated" data-kind="${answer.kind}">
        <td title="${answer.kind}">${MARK[answer.kind]}</td>
        <td class="muted">${new Date(answer.time).toISOString().slice(0, 16).replace("T", " ")}</td>
        <td>${answer.adapter ?? html`<span class="muted">base model</span>`}</td>
        <td>
          ${
            answer.answer === null
              ? html`<span class="muted">hidden: the user opted out of training</span>`
              : html`<details>
                  <summary>${lastUserMessage(answer)}</summary>
                  ${answer.prompt.map((message) => html`<p class="muted"><b>${message.role}:</b> ${message.content}</p>`)}
                </details>`
          }
        </td>
        <td class="answer">${answer.answer ?? ""}</td>
      </tr>`,
  );
  return html`<h2>Newest rated answers</h2>
    ${filter}
    ${
      answers.length === 0
        ? html`<p class="muted">None.</p>`
        : dataTable(["", "When", "Adapter", "Prompt", "Answer"], rows)
    }`;
}

function lastUserMessage(answer: RatedAnswer): string {
  const user = answer.prompt.findLast((message) => message.role === "user");
  return user?.content ?? "(no user message)";
}
