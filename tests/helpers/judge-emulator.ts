// A stand-in for an OpenAI-compatible judge (POST /v1/chat/completions), owned by the tests: no
// model can run here, and a real judge is an external paid service. It prefers the answer that
// contains a given phrase (a tie when both or neither do) and records what it was asked.
import http from "node:http";
import type { AddressInfo } from "node:net";

export class JudgeEmulator {
  private constructor(
    private readonly server: http.Server,
    readonly baseUrl: string,
    /** The user messages the judge received. */
    readonly asked: string[],
  ) {}

  static async start(preferred: string): Promise<JudgeEmulator> {
    const asked: string[] = [];
    const server = http.createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      request.on("end", () => {
        const { messages } = JSON.parse(body) as { messages: { role: string; content: string }[] };
        const question = messages.at(-1)?.content ?? "";
        asked.push(question);
        const a = /Answer A:\n([\s\S]*)\n\nAnswer B:/.exec(question)?.[1] ?? "";
        const b = /Answer B:\n([\s\S]*)$/.exec(question)?.[1] ?? "";
        const verdict =
          a.includes(preferred) === b.includes(preferred) ? "tie" : a.includes(preferred) ? "A" : "B";
        response.writeHead(200, { "content-type": "application/json" });
        response.end(
          JSON.stringify({
            id: "judge-1",
            object: "chat.completion",
            created: Math.floor(Date.now() / 1000),
            model: "judge-test",
            choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: verdict } }],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return new JudgeEmulator(server, `http://127.0.0.1:${port}/v1`, asked);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
