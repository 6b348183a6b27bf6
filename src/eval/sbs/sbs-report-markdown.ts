// The Markdown report of a side-by-side run: the headline w-d-l with the win rate and its
// interval, a table per category, what was not judged and why, and the tasks one side lacked.
import type { SideBySideResult } from "./run-side-by-side.js";
import type { WdlTally } from "./wdl-tally.js";

/** The report of `result`; `chartFile` is linked when given. */
export function sbsReportMarkdown(result: SideBySideResult, chartFile?: string): string {
  const o = result.overall;
  const lines = [
    `# Side by side: ${result.sideA} vs ${result.sideB}`,
    "",
    `Judge: \`${result.judgeModel}\`; seed ${result.seed}; ${
      result.bothOrders ? "both orders (an order-dependent verdict is a draw)" : "one random order per task"
    }.`,
    "",
    `**${result.sideA}** against **${result.sideB}**: ${o.wins}-${o.draws}-${o.losses} (wins-draws-losses) ` +
      `over ${o.tasks} tasks; win rate ${rate(o)}.`,
    "",
    "The win rate is (wins + draws/2) / judged tasks; the interval is a 95% percentile bootstrap over tasks.",
    "",
  ];
  if (chartFile) lines.push(`![wins-draws-losses per category](${chartFile})`, "");
  lines.push(
    "| Category | Tasks | Wins | Draws | Losses | Unparsed | Failed | Win rate (95% CI) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ...Object.entries(result.categories).map(([name, tally]) => row(name, tally)),
    row("**all**", o),
    "",
  );
  if (o.unparsed || o.failed)
    lines.push(
      `Not judged: ${o.unparsed} tasks without a readable verdict after the retries, ` +
        `${o.failed} the judge could not be asked (see \`verdicts\` in the JSON result).`,
      "",
    );
  const { onlyA, onlyB } = result.missing;
  if (onlyA.length || onlyB.length)
    lines.push(
      `Not counted (answered by one side only): ${onlyA.length} only by ${result.sideA}` +
        `${onlyA.length ? ` (${onlyA.join(", ")})` : ""}, ${onlyB.length} only by ${result.sideB}` +
        `${onlyB.length ? ` (${onlyB.join(", ")})` : ""}.`,
      "",
    );
  lines.push(`Judge calls made by this run: ${result.judgeCalls}.`, "");
  return lines.join("\n");
}

function row(name: string, t: WdlTally): string {
  return `| ${name} | ${t.tasks} | ${t.wins} | ${t.draws} | ${t.losses} | ${t.unparsed} | ${t.failed} | ${rate(t)} |`;
}

function rate(t: WdlTally): string {
  if (t.winRate === null || !t.winRateInterval) return "—";
  const [low, high] = t.winRateInterval;
  return `${percent(t.winRate)} (${percent(low)}–${percent(high)})`;
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}
