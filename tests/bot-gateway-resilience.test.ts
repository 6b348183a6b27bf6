// The gateway's delivery guarantees end to end: webhook mode with its secret, and a gateway
// killed with SIGKILL in the middle of a burst, whose replacement answers every message once.
// `saiga gateway` and `saiga engine` run as separate child processes against the Bot API
// emulator and a real Redis.
import { freePort } from "./helpers/free-port.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textsRu } from "../src/bot/i18n/texts-ru.js";
import { requestIdOf as requestIdOfAnswer } from "../src/service/protocol/generate-job.js";
import { BotTestbed, pause, requestIdOf, waitUntil } from "./helpers/bot-harness.js";
import type { WorkerProcess } from "./helpers/pipeline-harness.js";

describe("webhook mode", () => {
  const secret = "webhook-secret-0123456789";
  let bed: BotTestbed;
  let gateway: WorkerProcess;
  let url: string;

  beforeAll(async () => {
    // A Bot API server that refuses setMyCommands: logged, and the bot carries on.
    bed = await BotTestbed.create({ refuse: ["setMyCommands"] });
    const port = await freePort();
    url = `http://127.0.0.1:${port}/telegram`;
    gateway = await bed.start("start", {
      SAIGA_TELEGRAM_MODE: "webhook",
      SAIGA_TELEGRAM_WEBHOOK_URL: url,
      SAIGA_TELEGRAM_WEBHOOK_HOST: "127.0.0.1",
      SAIGA_TELEGRAM_WEBHOOK_PORT: String(port),
      SAIGA_TELEGRAM_WEBHOOK_SECRET_TOKEN: secret,
      SAIGA_GENERATION_MAX_TOKENS: "16",
      SAIGA_TELEGRAM_GROUP_CONTEXT: "true",
    });
  });
  afterAll(async () => {
    await bed?.close();
  });

  it("takes updates posted by Telegram and answers them", async () => {
    const alice = bed.emulator.createUser();
    bed.emulator.sendMessage({ from: alice, text: "Привет через вебхук" });
    const [answer] = await bed.waitForAnswers(alice.id);
    expect(requestIdOf(answer!)).toBeDefined();
    expect(bed.emulator.calls("getUpdates")).toEqual([]);
    expect(gateway.log()).toContain("could not register the command menu");
  });

  it("keeps a group's talk as context when telegram.groupContext is on", async () => {
    const [ann, bob] = [
      bed.emulator.createUser({ firstName: "Ann" }),
      bed.emulator.createUser({ firstName: "Bob" }),
    ];
    const group = bed.emulator.createGroup();
    bed.emulator.sendMessage({ from: ann, chat: group, text: "Завтра идём в поход" });
    bed.emulator.sendMessage({ from: bob, chat: group, text: "@saiga_test_bot что взять с собой?" });
    const [answer] = await bed.waitForAnswers(group.id);
    expect(bed.emulator.messagesIn(group.id)).toHaveLength(1); // the context message got no answer
    const record = await bed.records.get(requestIdOf(answer!)!);
    expect(record?.prompt.at(-1)).toEqual({
      role: "user",
      content: "Ann: Завтра идём в поход\nBob: что взять с собой?",
    });
  });

  it("refuses requests without the secret token and never logs it", async () => {
    const response = await fetch(url, { method: "POST", body: JSON.stringify({ update_id: 999 }) });
    expect(response.status).toBe(401);
    expect(gateway.log()).not.toContain(secret);
    expect(gateway.log()).not.toContain(bed.emulator.token);
  });
});

describe("a gateway killed with kill -9 during a burst", () => {
  const CHATS = 50;
  const ROUNDS = 4;
  let bed: BotTestbed;
  const env = {
    SAIGA_GENERATION_MAX_TOKENS: "6",
    SAIGA_LIMITS_MESSAGES_PER_MINUTE: "0",
    SAIGA_QUEUE_LOCK_MS: "2000",
  };

  beforeAll(async () => {
    bed = await BotTestbed.create();
    await bed.start("engine", env);
  });
  afterAll(async () => {
    await bed?.close();
  });

  it("answers every one of 200 messages from 50 chats exactly once after a restart", async () => {
    const first = await bed.start("gateway", env);
    const users = Array.from({ length: CHATS }, () => bed.emulator.createUser());
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, user] of users.entries()) {
        bed.emulator.sendMessage({ from: user, text: `чат ${i}, сообщение ${round}` });
      }
    }
    // Kill it once it has fetched part of the burst, with the rest still coming.
    await bed.emulator.waitFor(() => bed.emulator.pendingUpdates <= 150, 20_000);
    first.child.kill("SIGKILL");
    expect(bed.emulator.pendingUpdates).toBeGreaterThan(0); // the burst was still coming in
    await first.stop();
    expect(first.child.signalCode).toBe("SIGKILL");
    await bed.start("gateway", env);

    for (const [i, user] of users.entries()) {
      await waitUntil(
        async () => {
          const history = await bed.client.store.history(String(user.id));
          const answered = history.filter((turn) => turn.role === "assistant").length;
          return (
            history.filter((turn) => turn.role === "user").length === ROUNDS &&
            history.at(-1)?.role === "assistant" &&
            bed.answers(user.id).length === answered
          );
        },
        150_000,
        `chat ${i} to be answered`,
      );
    }
    await pause(2500); // a late duplicate would show up now

    for (const [i, user] of users.entries()) {
      const history = await bed.client.store.history(String(user.id));
      // Every message is in the history once, in order...
      expect(history.filter((turn) => turn.role === "user").map((turn) => turn.text)).toEqual(
        Array.from({ length: ROUNDS }, (_, round) => `чат ${i}, сообщение ${round}`),
      );
      // ...and every answer reached the chat exactly once.
      const stored = history.filter((turn) => turn.role === "assistant").map((turn) => turn.requestId);
      const delivered = bed.answers(user.id).map((answer) => requestIdOf(answer));
      expect(delivered).toEqual(stored);
    }
  });
});

describe("a busy queue", () => {
  let bed: BotTestbed;

  beforeAll(async () => {
    bed = await BotTestbed.create();
    // A gateway with no engine: every question waits.
    await bed.start("gateway", { SAIGA_TELEGRAM_QUEUE_NOTICE_FROM: "2" });
  });
  afterAll(async () => {
    await bed?.close();
  });

  it("shows typing while queued, and the queue position when it is long", async () => {
    const users = [bed.emulator.createUser(), bed.emulator.createUser(), bed.emulator.createUser()];
    for (const user of users) bed.emulator.sendMessage({ from: user, text: "Есть кто?" });
    const last = users[2]!;
    const draft = await bed.emulator.waitFor(() => bed.emulator.drafts(last.id)[0], 10_000);
    expect(draft.text).toBe(textsRu.queued(3));
    expect(bed.emulator.drafts(users[0]!.id)).toEqual([]); // first in line: no notice
    const typing = bed.emulator.calls("sendChatAction").filter((call) => call.params.chat_id === last.id);
    expect(typing.map((call) => call.params.action)).toContain("typing");
  });

  it("answers the waiting questions once an engine comes, and sends nothing for a chat cleared meanwhile", async () => {
    const waiting = bed.emulator.createUser();
    const cleared = bed.emulator.createUser();
    bed.emulator.sendMessage({ from: waiting, text: "Жду ответа" });
    bed.emulator.sendMessage({ from: cleared, text: "Забудь это" });
    await bed.emulator.waitFor(() =>
      bed.emulator.calls("sendChatAction").some((c) => c.params.chat_id === cleared.id),
    );
    await bed.client.store.clear(String(cleared.id)); // the history is gone before any engine saw it
    await bed.start("engine", { SAIGA_GENERATION_MAX_TOKENS: "8" });
    await bed.waitForAnswers(waiting.id, 1, 30_000);
    // Its delivery ends at once, having sent nothing: no answer and no "failed" notice.
    const delivery = await waitUntil(async () => {
      const job = await bed.deliveries.queue.getJob(requestIdOfAnswer(String(cleared.id), 0));
      return (await job?.isCompleted()) && job;
    }, 5000);
    expect(delivery.returnvalue).toMatchObject({ outcome: "skipped", parts: 0 });
    await pause(500);
    expect(bed.emulator.messagesIn(cleared.id)).toEqual([]);
  });
});
