// One generation request of the HTTP API, from admission to the last byte: 503 without an engine,
// 404 for a model no engine serves, the caller's limits, then the job(s) on the queue and the
// answer, whole or streamed (SSE). A stream's headers go out only after each choice's first
// entry, so a request that fails at once (a prompt that does not fit) still gets its 4xx. A
// client that disconnects cancels its generations at once.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "../log/index.js";
import type { GenerationClient, SubmitRequest } from "../service/generation-client.js";
import type { StreamEnd } from "../service/protocol/stream-entry.js";
import type { ApiCaller } from "./api-keys.js";
import type { CallerLimits } from "./caller-limits.js";
import { finishReasonOf, usageOf, type CompletionShape } from "./completion-shape.js";
import { followChoices, type ChoiceEntry } from "./follow-choices.js";
import type { ModelCatalog } from "./model-catalog.js";
import { errorOfFailedGeneration, OpenAIError } from "./openai-error.js";
import { SseWriter } from "./sse.js";

/** What the generation routes work with. */
export interface ApiServices {
  generation: Pick<GenerationClient, "submit" | "follow" | "cancel">;
  catalog: ModelCatalog;
  limits: CallerLimits;
  log: Logger;
  /** Aborted by a forced shutdown: running requests stop and their generations are cancelled. */
  shutdown: AbortSignal;
}

/** One request, as the route parsed it. */
export interface GenerationSpec {
  caller: ApiCaller;
  /** The requested model id (echoed in the response). */
  model: string;
  /** The job's fields; the adapter, the caller and `n` are added here. */
  job: Omit<SubmitRequest, "adapter" | "userId" | "n" | "admin">;
  n: number;
  stream: boolean;
  /** `stream_options.include_usage`: a last chunk with the usage. */
  includeUsage: boolean;
  shape: CompletionShape;
}

const CLIENT_GONE = "client disconnected";
const SHUTTING_DOWN = "server shutting down";

/** Serves one generation request; errors before the response started are thrown (OpenAIError). */
export async function serveGeneration(
  services: ApiServices,
  request: FastifyRequest,
  reply: FastifyReply,
  spec: GenerationSpec,
): Promise<void> {
  const engines = await services.catalog.engines();
  if (engines.length === 0) throw OpenAIError.noEngine();
  const adapter = await services.catalog.resolve(spec.model, engines);
  if (!adapter) throw OpenAIError.unknownModel(spec.model);
  const release = await services.limits.admit(spec.caller);
  const run = new RunningRequest(services.generation);
  const onClose = () => {
    if (reply.raw.writableFinished) return;
    run.abort(CLIENT_GONE);
  };
  const onShutdown = () => run.abort(SHUTTING_DOWN);
  reply.raw.on("close", onClose);
  services.shutdown.addEventListener("abort", onShutdown, { once: true });
  const startedAt = Date.now();
  try {
    run.ids = await submitChoices(
      services.generation,
      { ...spec.job, adapter, userId: spec.caller.userId },
      spec.n,
    );
    if (services.shutdown.aborted) run.abort(SHUTTING_DOWN);
    const response = new ResponseWriter(spec, run);
    if (spec.stream) await response.stream(reply);
    else await response.whole(reply);
  } catch (error) {
    if (run.signal.reason === CLIENT_GONE) {
      // Nobody to answer: the socket is gone.
      if (!reply.sent) reply.hijack();
      return;
    }
    if (run.signal.reason === SHUTTING_DOWN && !(error instanceof OpenAIError)) {
      throw new OpenAIError("The server is shutting down; retry the request.", {
        status: 503,
        type: "server_error",
        code: "shutting_down",
        headers: { "retry-after": "1" },
      });
    }
    throw error;
  } finally {
    reply.raw.off("close", onClose);
    services.shutdown.removeEventListener("abort", onShutdown);
    release();
    const aborted = run.signal.aborted ? String(run.signal.reason) : undefined;
    await run.finish();
    services.log.info(
      {
        caller: spec.caller.name,
        model: spec.model,
        requestIds: run.ids,
        stream: spec.stream,
        ms: Date.now() - startedAt,
        ...(aborted ? { aborted } : {}),
      },
      "api generation",
    );
  }
}

/**
 * Queues the request's `n` jobs. With a seed, choice i samples with seed + i: the same request
 * gives the same texts again, and its choices still differ from each other.
 */
async function submitChoices(
  generation: ApiServices["generation"],
  request: Omit<SubmitRequest, "n">,
  n: number,
): Promise<string[]> {
  const seed = request.sampling?.seed;
  if (n === 1 || seed === undefined || seed === null) return generation.submit({ ...request, n });
  const ids = await Promise.all(
    Array.from({ length: n }, (_, choice) =>
      generation.submit({ ...request, sampling: { ...request.sampling, seed: seed + choice } }),
    ),
  );
  return ids.flat();
}

/** The jobs of one request: which ended, and cancelling the rest. */
class RunningRequest {
  ids: string[] = [];
  readonly ended = new Set<number>();
  private readonly controller = new AbortController();
  private cancelling?: Promise<unknown>;

  constructor(readonly generation: ApiServices["generation"]) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Stops reading and cancels the generations still running (from any engine). */
  abort(reason: string): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
    this.cancelRunning();
  }

  /** After the response: cancels what did not end, then stops every reader. */
  async finish(): Promise<void> {
    this.cancelRunning();
    await this.cancelling;
    if (!this.controller.signal.aborted) this.controller.abort("done");
  }

  private cancelRunning(): void {
    const running = this.ids.filter((_, index) => !this.ended.has(index));
    if (running.length === 0 || this.cancelling) return;
    this.cancelling = Promise.all(running.map((id) => this.generation.cancel(id).catch(() => undefined)));
  }
}

/** Writes the answer in OpenAI's shape. */
class ResponseWriter {
  private readonly created = Math.floor(Date.now() / 1000);
  private readonly ends: StreamEnd[] = [];

  constructor(
    private readonly spec: GenerationSpec,
    private readonly run: RunningRequest,
  ) {}

  /** `chatcmpl-<request id>`: the id names the job(s), so logs and Redis can be read by it. */
  private get id(): string {
    const [first = ""] = this.run.ids;
    return this.spec.shape.idPrefix + (this.run.ids.length > 1 ? first.replace(/_0$/, "") : first);
  }

  private entries(): AsyncGenerator<ChoiceEntry, void, void> {
    return followChoices(this.run.generation, this.run.ids, this.run.signal);
  }

  /** A non-streamed response: every choice's whole text. */
  async whole(reply: FastifyReply): Promise<void> {
    for await (const entry of this.entries()) if (entry.type === "end") this.ended(entry);
    const { shape, model } = this.spec;
    await reply.send({
      id: this.id,
      object: shape.object,
      created: this.created,
      model,
      system_fingerprint: this.fingerprint(),
      choices: this.ends.map((end, index) =>
        shape.choice(index, end.text, finishReasonOf(end.stats?.stopReason)),
      ),
      usage: usageOf(this.ends),
    });
  }

  /** A streamed response: SSE chunks as the text arrives, then the usage (when asked) and [DONE]. */
  async stream(reply: FastifyReply): Promise<void> {
    const { shape } = this.spec;
    const entries = this.entries();
    // Each choice's first entry before the headers: a request that fails at once gets its status.
    const early: ChoiceEntry[] = [];
    const begun = new Set<number>();
    while (begun.size < this.run.ids.length) {
      const next = await entries.next();
      if (next.done) break;
      if (next.value.type === "end") this.ended(next.value);
      if (next.value.type !== "reset") begun.add(next.value.index);
      early.push(next.value);
    }
    reply.hijack();
    const sse = new SseWriter(reply.raw);
    sse.open();
    const sentChars = new Map<number, number>();
    try {
      if (shape.opening) {
        for (const index of this.run.ids.keys()) await sse.send(this.chunk([shape.opening(index)]));
      }
      const handle = async (entry: ChoiceEntry) => {
        if (entry.type === "delta") {
          if (entry.text === "") return;
          sentChars.set(entry.index, (sentChars.get(entry.index) ?? 0) + entry.text.length);
          await sse.send(this.chunk([shape.delta(entry.index, entry.text)]));
        } else if (entry.type === "reset") {
          // A retried job starts over, but the text it replaces has reached the client.
          if (sentChars.get(entry.index)) throw restartedError();
        } else {
          if (!this.run.ended.has(entry.index)) this.ended(entry);
          await sse.send(
            this.chunk(
              [shape.finish(entry.index, finishReasonOf(entry.stats?.stopReason))],
              entry.adapter ?? "base",
            ),
          );
        }
      };
      for (const entry of early) await handle(entry);
      for (let next = await entries.next(); !next.done; next = await entries.next()) await handle(next.value);
      if (this.spec.includeUsage) {
        await sse.send({ ...this.chunkHead(this.fingerprint()), choices: [], usage: usageOf(this.ends) });
      }
      await sse.done();
    } catch (error) {
      if (this.run.signal.reason === CLIENT_GONE) return;
      const failure =
        error instanceof OpenAIError
          ? error
          : new OpenAIError(
              this.run.signal.reason === SHUTTING_DOWN
                ? "The server is shutting down; retry the request."
                : `The stream failed: ${(error as Error).message}`,
              { status: 500, type: "server_error" },
            );
      await sse.send(failure.body());
      reply.raw.end();
    }
  }

  /** Records a choice's end; one that did not answer fails the request. */
  private ended(end: ChoiceEntry & { type: "end" }): void {
    this.run.ended.add(end.index);
    if (end.outcome === "answered") {
      this.ends[end.index] = end;
      return;
    }
    if (end.outcome === "failed") throw errorOfFailedGeneration(end.error, this.spec.shape.promptParam);
    throw new OpenAIError(
      end.outcome === "cancelled"
        ? "The generation was cancelled on the server."
        : `The generation was skipped (${end.reason ?? "no reason given"}).`,
      { status: 500, type: "server_error", code: end.outcome },
    );
  }

  /** The adapter version that answered (`base`: the bare model), as OpenAI's system_fingerprint. */
  private fingerprint(): string {
    return this.ends[0]?.adapter ?? "base";
  }

  /** A chunk's fields before its choices; the fingerprint once the adapter that answered is known. */
  private chunkHead(fingerprint?: string) {
    return {
      id: this.id,
      object: this.spec.shape.chunkObject,
      created: this.created,
      model: this.spec.model,
      ...(fingerprint ? { system_fingerprint: fingerprint } : {}),
    };
  }

  private chunk(choices: object[], fingerprint?: string) {
    return {
      ...this.chunkHead(fingerprint),
      choices,
      // OpenAI sends usage: null on every chunk but the last when it was asked for.
      ...(this.spec.includeUsage ? { usage: null } : {}),
    };
  }
}

function restartedError(): OpenAIError {
  return new OpenAIError(
    "The generation was restarted after an engine failed, and its first part was already sent; retry the request.",
    { status: 500, type: "server_error", code: "generation_restarted" },
  );
}
