// One line per adapter version, for people: `saiga adapters list` and the admin /adapters command.
import type { AdapterManifest } from "../store/adapter-manifest.js";

export function describeAdapter(manifest: AdapterManifest): string {
  const created = new Date(manifest.createdAt).toISOString().slice(0, 16).replace("T", " ");
  const dataset = manifest.dataset
    ? `${manifest.dataset.train}+${manifest.dataset.validation} examples`
    : "own data";
  const gate = manifest.gate ? (manifest.gate.passed ? "gate passed" : "gate failed") : "not evaluated";
  const judge = manifest.gate?.judge;
  // The side-by-side verdict against what served, as `saiga eval sbs` reports it.
  const sbs = judge
    ? `  judge ${judge.wins}-${judge.draws}-${judge.losses}` +
      (judge.winRate !== null && judge.winRate !== undefined ? ` (win rate ${judge.winRate.toFixed(2)})` : "")
    : "";
  return `${manifest.version}  ${manifest.status.padEnd(9)}  ${created} UTC  ${dataset}  ${gate}${sbs}`;
}
