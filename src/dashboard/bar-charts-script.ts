// The stacked bar charts of the feedback and evaluations pages, drawn by Chart.js (loaded before
// this script, chart-script.ts): each `<canvas data-bar-chart="…">` holds a {@link BarChart} as
// JSON. Served as a file: pages run no inline script.

/** Where the pages find the script. */
export const BAR_CHARTS_SCRIPT_PATH = "/admin/assets/bar-charts.js";

/** What a canvas's `data-bar-chart` holds. */
export interface BarChart {
  labels: string[];
  /** Bars along the y axis (one per label) instead of columns. */
  horizontal: boolean;
  series: { label: string; color: string; data: number[] }[];
}

/** The script's source. */
export const BAR_CHARTS_SCRIPT = `"use strict";
for (const canvas of document.querySelectorAll("canvas[data-bar-chart]")) {
  const chart = JSON.parse(canvas.dataset.barChart);
  const counts = { stacked: true, beginAtZero: true, ticks: { precision: 0 } };
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: chart.labels,
      datasets: chart.series.map((series) => ({
        label: series.label,
        data: series.data,
        backgroundColor: series.color,
        maxBarThickness: 48,
      })),
    },
    options: {
      indexAxis: chart.horizontal ? "y" : "x",
      animation: false,
      maintainAspectRatio: false,
      scales: chart.horizontal ? { x: counts, y: { stacked: true } } : { x: { stacked: true }, y: counts },
    },
  });
}
`;
