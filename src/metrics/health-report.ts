// What `GET /health` answers: whether this process can do its work now, and the details an
// operator (or a load balancer, or a test) reads: each role's state and whether Redis answers.

/** A role's state: `off` roles (e.g. a trainer without PyTorch) do not hold readiness back. */
export type RoleStatus = "starting" | "ready" | "stopping" | "off";

/** One role's state and details (for the engine: model, adapter, sequences). */
export interface RoleHealth {
  status: RoleStatus;
  [detail: string]: unknown;
}

/** The body of `/health`. */
export interface HealthReport {
  /** `ok` → HTTP 200; `unavailable` → 503 (a role is not ready, or Redis does not answer). */
  status: "ok" | "unavailable";
  /** By role name: `engine`, `gateway`, `trainer`, `api`. */
  roles: Record<string, RoleHealth>;
  redis: { reachable: boolean };
}
