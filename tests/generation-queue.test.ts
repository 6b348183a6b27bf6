// The producer API on a real Redis, without workers: priorities, positions, cancel before start.
import { afterAll, describe, expect, it } from "vitest";
import { PipelineClient } from "./helpers/pipeline-harness.js";

const client = new PipelineClient(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
afterAll(() => client.close());

describe("GenerationClient", () => {
  it("puts admins first and tells each request its position", async () => {
    const a = await client.queue.enqueue("a", { text: "1", userId: "u1" });
    const b = await client.queue.enqueue("b", { text: "2", userId: "u2" });
    const admin = await client.queue.enqueue("c", { text: "3", userId: "root", admin: true });
    expect(await client.queue.position(admin.requestId)).toBe(1);
    expect(await client.queue.position(a.requestId)).toBe(2);
    expect(await client.queue.position(b.requestId)).toBe(3);
    expect(await client.queue.position("no-such-request")).toBeNull();
  });

  it("merges messages sent before the answer starts into one request", async () => {
    const first = await client.queue.enqueue("merge", { text: "one" });
    const second = await client.queue.enqueue("merge", { text: "two" });
    expect(second.requestId).toBe(first.requestId);
    expect((await client.store.history("merge")).map((t) => t.text)).toEqual(["one", "two"]);
  });

  it("cancels a request that has not started: the job is gone", async () => {
    const { requestId } = await client.queue.enqueue("cancelled", { text: "never mind" });
    await client.queue.cancel(requestId);
    expect(await client.queue.position(requestId)).toBeNull();
  });

  it("has nothing to regenerate before the first answer", async () => {
    await client.queue.enqueue("fresh", { text: "hi" });
    expect(await client.queue.regenerate("fresh")).toBeNull();
  });
});
