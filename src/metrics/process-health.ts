// The readiness of the roles one process runs, for `/health`: each role is `starting` until its
// start-up finished, then `ready` with live details, `stopping` from the shutdown signal on, or
// `off` when it cannot run here. The process is ready when every role that runs is ready and
// Redis answers.
import type { HealthReport, RoleHealth, RoleStatus } from "./health-report.js";

type Details = () => Record<string, unknown>;

/** Readiness of this process's roles. */
export class ProcessHealth {
  private readonly roles = new Map<string, { status: RoleStatus; details?: Details }>();
  private redis: () => Promise<boolean> = () => Promise.resolve(false);

  /** A role that is being started (503 until {@link ready}). */
  starting(role: string): void {
    this.roles.set(role, { status: "starting" });
  }

  /** A role that serves now; `details` is read on every report (e.g. the active adapter). */
  ready(role: string, details?: Details): void {
    this.roles.set(role, { status: "ready", ...(details ? { details } : {}) });
  }

  /** A role that does not run on this machine, and why; it does not hold readiness back. */
  off(role: string, reason: string): void {
    this.roles.set(role, { status: "off", details: () => ({ reason }) });
  }

  /** Every role stops (a shutdown began): 503 from now on. */
  stopping(): void {
    for (const role of this.roles.values()) if (role.status !== "off") role.status = "stopping";
  }

  /** How Redis is checked on each report (until set: not reachable). */
  checkRedisWith(reachable: () => Promise<boolean>): void {
    this.redis = reachable;
  }

  async report(): Promise<HealthReport> {
    const reachable = await this.redis().catch(() => false);
    const roles: Record<string, RoleHealth> = {};
    for (const [name, { status, details }] of this.roles) roles[name] = { ...details?.(), status };
    const ready =
      reachable && [...this.roles.values()].every((r) => r.status === "ready" || r.status === "off");
    return { status: ready ? "ok" : "unavailable", roles, redis: { reachable } };
  }
}
