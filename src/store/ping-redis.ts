// Asks whatever listens on host:port whether it is a Redis, with one raw PING and no client
// library: a probe must not reconnect, queue commands or print errors of its own.
import { connect } from "node:net";

/**
 * What answered: `pong` (a Redis ready for commands), `auth-required` (a Redis that wants a
 * password), `loading` (a Redis still reading its data files), `not-redis` (something else
 * answered), `no-answer` (nothing listens, or no reply within the timeout).
 */
export type PingResult = "pong" | "auth-required" | "loading" | "not-redis" | "no-answer";

/** Sends `PING` to host:port and classifies the first reply line. Never throws. */
export function pingRedis(host: string, port: number, timeoutMs = 1000): Promise<PingResult> {
  return new Promise((resolve) => {
    let reply = "";
    const socket = connect({ host, port });
    const finish = (result: PingResult): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish("no-answer"));
    socket.on("error", () => finish("no-answer"));
    socket.on("close", () => finish(reply === "" ? "no-answer" : classify(reply)));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString("latin1");
      if (reply.includes("\r\n") || reply.length > 256) finish(classify(reply));
    });
  });
}

function classify(reply: string): PingResult {
  const line = reply.split("\r\n", 1)[0] ?? "";
  if (line === "+PONG") return "pong";
  if (line.startsWith("-NOAUTH") || line.startsWith("-WRONGPASS")) return "auth-required";
  if (line.startsWith("-LOADING")) return "loading";
  return "not-redis";
}
