// The folder of side-by-side runs: `saiga eval sbs` writes each run into a subfolder of it by
// default, and the dashboard's evaluations page lists them from there.
import path from "node:path";
import type { Config } from "../../config/index.js";

/** `dashboard.evaluationsDir`, or `<dataDir>/evaluations`. */
export function evaluationsDir(config: Pick<Config, "dataDir" | "dashboard">): string {
  return path.resolve(config.dashboard.evaluationsDir ?? path.join(config.dataDir, "evaluations"));
}

/** A new run's default folder: `<evaluations>/sbs-<UTC time>`, e.g. `sbs-20261201-143005`. */
export function defaultSbsOut(config: Pick<Config, "dataDir" | "dashboard">, now = new Date()): string {
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
  return path.join(evaluationsDir(config), `sbs-${stamp}`);
}
