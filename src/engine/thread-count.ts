// Counts the physical CPU cores: the upper bound of the thread counts worth trying. Matrix math
// gains nothing from SMT siblings and loses a lot when threads outnumber cores: node-llama-cpp's
// default (twice the math cores here) decoded 140–1100× slower on a 2-vCPU machine.
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/** Physical cores this process may use: unique (package, core) pairs, capped by the CPU affinity. */
export function physicalCoreCount(cpuinfo: string | null = readCpuinfo()): number {
  const usable = availableParallelism();
  if (!cpuinfo) return usable;
  const cores = new Set<string>();
  for (const block of cpuinfo.split(/\n\s*\n/)) {
    const physical = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1] ?? "0";
    const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
    if (core !== undefined) cores.add(`${physical}:${core}`);
  }
  return cores.size > 0 ? Math.min(cores.size, usable) : usable;
}

function readCpuinfo(): string | null {
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return null; // not Linux: fall back to the affinity count
  }
}
