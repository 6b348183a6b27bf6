// Queues: bull-board (the BullMQ dashboard) for the generate, deliver and train queues, at
// /admin/queues behind the dashboard's log-in. Its own actions (retry, clean, pause) are POSTs
// too: its axios sends the XSRF-TOKEN cookie back as `x-xsrf-token`, which the CSRF check reads.
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { FastifyAdapter } from "@bull-board/fastify";
import { Queue } from "bullmq";
import type { FastifyInstance } from "fastify";
import { TRAIN_QUEUE } from "../../training/training-job.js";
import type { DashboardContext } from "../dashboard-context.js";
import { registerNavLink } from "../register-page.js";

/** The Telegram delivery queue's name (src/bot/delivery/delivery-job.ts; channels do not import each other). */
const DELIVER_QUEUE = "deliver";

/** Mounts bull-board at /admin/queues. */
export async function registerQueuesPage(
  admin: FastifyInstance,
  { runtime }: DashboardContext,
): Promise<void> {
  const prefix = runtime.keys.queuePrefix();
  // The generation client's queue is shared; the other two are opened here, on the same connection.
  const own = [DELIVER_QUEUE, TRAIN_QUEUE].map(
    (name) => new Queue(name, { connection: runtime.redis, prefix }),
  );
  // Engines come and go, each with its own queue (chat routing): the board's list is read again
  // whenever the page asks for it.
  admin.addHook("onRequest", async (request) => {
    if (request.url.startsWith(`${admin.prefix}/queues/api/queues`)) board.replaceQueues(await adapters());
  });
  admin.addHook("onClose", async () => {
    await Promise.all(own.map((queue) => queue.close()));
  });
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(`${admin.prefix}/queues`);
  const adapters = async () =>
    [runtime.generation.queue, ...(await runtime.generation.queues.engineQueues()), ...own].map(
      (queue) => new BullMQAdapter(queue),
    );
  const board = createBullBoard({
    queues: await adapters(),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: "saiga-bot queues",
        miscLinks: [{ text: "Dashboard", url: `${admin.prefix}/` }],
      },
    },
  });
  registerNavLink(admin, { url: `${admin.prefix}/queues/`, title: "Queues" });
  await admin.register(serverAdapter.registerPlugin(), { prefix: "/queues" });
}
