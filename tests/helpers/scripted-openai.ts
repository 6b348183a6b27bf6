// A stand-in for an OpenAI-compatible model (POST /v1/chat/completions) for tests of the judge and
// the teacher: no real judge or teacher is reachable from the tests, so a small real HTTP server
// answers from a script — a function from the request to a reply, which can be a malformed
// verdict, a 429 with retry-after, a slow reply or no reply at all (a timeout). It records
// every request it was sent.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ScriptedMessage {
  role: string;
  content: string;
}

/** A request as the server received it. */
export interface ScriptedRequest {
  /** 0 for the first request the server got, and so on. */
  index: number;
  model: string;
  messages: ScriptedMessage[];
  body: Record<string, unknown>;
}

/** What the server does with one request. */
export interface ScriptedReply {
  /** HTTP status. Default: 200. */
  status?: number;
  /** The assistant message of a 200 reply. */
  content?: string;
  /** A body sent as it is instead (an error body, or a broken one). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before replying. */
  delayMs?: number;
  /** Never reply: the client has to time out. */
  hang?: boolean;
}

export type Script = (request: ScriptedRequest) => ScriptedReply | Promise<ScriptedReply>;

export class ScriptedOpenAI {
  private constructor(
    private readonly server: http.Server,
    /** Base URL for an OpenAI client, ending in /v1. */
    readonly baseUrl: string,
    /** Requests received, in order of arrival. */
    readonly requests: ScriptedRequest[],
  ) {}

  /** Starts the server on a free port of 127.0.0.1, answering by `script`. */
  static async start(script: Script): Promise<ScriptedOpenAI> {
    const requests: ScriptedRequest[] = [];
    const server = http.createServer((request, response) => {
      let text = "";
      request.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      request.on("end", () => {
        void (async () => {
          if (request.method !== "POST" || !request.url?.endsWith("/chat/completions")) {
            response.writeHead(404, { "content-type": "application/json" });
            response.end(JSON.stringify({ error: { message: "not found" } }));
            return;
          }
          const body = JSON.parse(text) as Record<string, unknown>;
          const received: ScriptedRequest = {
            index: requests.length,
            model: String(body.model),
            messages: body.messages as ScriptedMessage[],
            body,
          };
          requests.push(received);
          let reply: ScriptedReply;
          try {
            reply = await script(received);
          } catch (failure) {
            // A broken script is the test's bug: answer 500 with it rather than hang the client.
            reply = { status: 500, body: { error: { message: `script failed: ${String(failure)}` } } };
          }
          if (reply.hang) return;
          if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
          const status = reply.status ?? 200;
          response.writeHead(status, { "content-type": "application/json", ...reply.headers });
          response.end(
            JSON.stringify(
              reply.body ?? (status === 200 ? completion(received, reply.content ?? "") : error(status)),
            ),
          );
        })();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return new ScriptedOpenAI(server, `http://127.0.0.1:${port}/v1`, requests);
  }

  /** Stops the server, dropping connections left hanging. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function completion(request: ScriptedRequest, content: string) {
  return {
    id: `scripted-${request.index}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}

function error(status: number) {
  return {
    error: { message: status === 429 ? "Rate limit reached" : `scripted error ${status}`, type: "scripted" },
  };
}
