// What a dashboard page module receives, and its shape.
import type { FastifyInstance } from "fastify";
import type { ServiceRuntime } from "../service/service-runtime.js";

/** What every page module gets besides the Fastify instance. */
export interface DashboardContext {
  /** The role's runtime: config, log, Redis, keys, stores, generation client. */
  runtime: ServiceRuntime;
  /**
   * The HTTP API's POST `/v1/chat/completions` and GET `/v1/models`, added to a scope of ours
   * (whose hooks authorise: these routes check nothing) for the caller `api:<callerName>`; given by
   * the API server that mounts the dashboard, absent elsewhere. The playground uses it.
   */
  openAIRoutes?: (scope: FastifyInstance, callerName: string) => void;
}

/** A module that adds its pages, JSON endpoints and actions to the dashboard (under /admin). */
export type DashboardPageModule = (admin: FastifyInstance, context: DashboardContext) => void | Promise<void>;
