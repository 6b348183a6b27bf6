// A stand-in for an OpenAI-compatible judge (POST /v1/chat/completions), owned by the tests: no
// model can run here, and a real judge is an external paid service. It speaks the side-by-side
// prompt of src/eval/sbs (answers in <answer_a>/<answer_b>, scores as JSON): the answer that
// contains a given phrase scores 9, the other 3 (5 and 5 when both or neither do). It records
// what it was asked.
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
        const a = /<answer_a>\n([\s\S]*)\n<\/answer_a>/.exec(question)?.[1] ?? "";
        const b = /<answer_b>\n([\s\S]*)\n<\/answer_b>/.exec(question)?.[1] ?? "";
        const [scoreA, scoreB] =
          a.includes(preferred) === b.includes(preferred) ? [5, 5] : a.includes(preferred) ? [9, 3] : [3, 9];
        const verdict = `Сравниваю ответы.\n{"explanation": "по фразе", "score_a": ${scoreA}, "score_b": ${scoreB}}`;
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
