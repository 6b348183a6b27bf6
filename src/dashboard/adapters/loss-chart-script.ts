// The browser script of the adapters and training pages (served at LOSS_CHART_SCRIPT_PATH, after
// Chart.js): `saigaLossChart(canvas, points)` draws loss per step on a canvas, and every
// `<canvas data-loss-curve="URL">` is drawn from the JSON curve at URL when the page loads.
import type { FastifyInstance } from "fastify";

/** Where the pages find the script (under the dashboard's /admin prefix). */
export const LOSS_CHART_SCRIPT_PATH = "/admin/assets/loss-chart.js";

const SCRIPT = `
"use strict";
window.saigaLossChart = (canvas, points) => {
  const data = points.map((p) => ({ x: p.step, y: p.loss }));
  const existing = Chart.getChart(canvas);
  canvas.dataset.points = String(data.length);
  if (existing) { existing.data.datasets[0].data = data; existing.update("none"); return existing; }
  return new Chart(canvas, {
    type: "line",
    data: { datasets: [{ label: "loss", data, borderColor: "#2f6fde", pointRadius: data.length > 60 ? 0 : 2, borderWidth: 2, tension: 0.15 }] },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false, parsing: true,
      scales: { x: { type: "linear", title: { display: true, text: "step" } }, y: { title: { display: true, text: "loss" } } },
      plugins: { legend: { display: false } },
    },
  });
};
document.addEventListener("DOMContentLoaded", () => {
  for (const canvas of document.querySelectorAll("canvas[data-loss-curve]")) {
    saiga.getJson(canvas.dataset.lossCurve).then((points) => {
      const note = document.getElementById(canvas.id + "-note");
      if (points.length === 0 && note) note.textContent = "No loss curve was stored with this version.";
      else if (note) note.textContent = points.length + " steps, loss " + points[0].loss.toFixed(4) + " → " + points[points.length - 1].loss.toFixed(4);
      saigaLossChart(canvas, points);
    }, (error) => console.warn(error));
  }
});
`;

/** Adds the script's route; `app` is the dashboard's /admin plugin. */
export function registerLossChartScript(app: FastifyInstance): void {
  app.get(LOSS_CHART_SCRIPT_PATH.slice("/admin".length), async (_request, reply) =>
    reply.type("text/javascript; charset=utf-8").header("cache-control", "private, max-age=3600").send(SCRIPT),
  );
}
