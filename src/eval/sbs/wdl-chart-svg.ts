// The report's chart: one stacked horizontal bar per category (and one for all tasks) of wins,
// draws and losses of side A, plus unjudged tasks, as a self-contained SVG written by hand so the
// report needs no native image library.
import type { WdlTally } from "./wdl-tally.js";

const COLORS = { wins: "#2e7d32", draws: "#9e9e9e", losses: "#c62828", unjudged: "#ffb300" } as const;
const ROW = 28;
const LABEL_WIDTH = 180;
const BAR_WIDTH = 480;
const COUNT_WIDTH = 110;

/** An SVG of w-d-l per category of `sideA` against `sideB`. */
export function wdlChartSvg(
  sideA: string,
  sideB: string,
  overall: WdlTally,
  categories: Record<string, WdlTally>,
): string {
  const rows: [string, WdlTally][] = [["all tasks", overall], ...Object.entries(categories)];
  const top = 56;
  const height = top + rows.length * ROW + 40;
  const width = LABEL_WIDTH + BAR_WIDTH + COUNT_WIDTH + 20;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`,
    `<title>${escapeXml(`${sideA} vs ${sideB}: wins-draws-losses`)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${escapeXml(`${sideA} vs ${sideB}`)}</text>`,
    legend(10, 42),
  ];
  rows.forEach(([name, tally], index) => parts.push(bar(name, tally, top + index * ROW)));
  parts.push(
    `<text x="10" y="${height - 12}" fill="#555555">${escapeXml(
      "wins / draws / losses of the first side; win rate = (wins + draws/2) / judged",
    )}</text>`,
    "</svg>",
  );
  return parts.join("\n") + "\n";
}

function bar(name: string, tally: WdlTally, y: number): string {
  const segments: [keyof typeof COLORS, number][] = [
    ["wins", tally.wins],
    ["draws", tally.draws],
    ["losses", tally.losses],
    ["unjudged", tally.unparsed + tally.failed],
  ];
  const parts = [`<text x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end">${escapeXml(name)}</text>`];
  let x = LABEL_WIDTH;
  for (const [kind, count] of segments) {
    if (count === 0 || tally.tasks === 0) continue;
    const w = (count / tally.tasks) * BAR_WIDTH;
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 8}" fill="${COLORS[kind]}"><title>${kind}: ${count}</title></rect>`,
    );
    if (w >= 22)
      parts.push(
        `<text x="${(x + w / 2).toFixed(1)}" y="${y + 15}" text-anchor="middle" fill="#ffffff">${count}</text>`,
      );
    x += w;
  }
  if (tally.tasks === 0)
    parts.push(`<rect x="${LABEL_WIDTH}" y="${y}" width="${BAR_WIDTH}" height="${ROW - 8}" fill="#eeeeee"/>`);
  parts.push(
    `<text x="${LABEL_WIDTH + BAR_WIDTH + 8}" y="${y + 15}">${tally.wins}-${tally.draws}-${tally.losses}</text>`,
  );
  return parts.join("\n");
}

function legend(x: number, y: number): string {
  return Object.entries(COLORS)
    .map(([kind, color], index) => {
      const left = x + index * 110;
      return `<rect x="${left}" y="${y - 10}" width="12" height="12" fill="${color}"/><text x="${left + 16}" y="${y}">${kind}</text>`;
    })
    .join("\n");
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
