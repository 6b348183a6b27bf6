// `saiga trainer`: the training worker for the GPU host. Consumes training jobs (from the
// schedule, `saiga train --now` or the admin /train), one at a time: dataset from the feedback,
// the Python LoRA trainer, the evaluation gate, and activation on every engine when it passes.
import { Command } from "commander";
import { serveRoles } from "../serve-roles.js";

export function trainerCommand(): Command {
  return new Command("trainer")
    .description(
      "Run the trainer: take training jobs from Redis one at a time (the schedule training.schedule,\n" +
        "`saiga train --now`, the admin /train), build the dataset from the feedback, run the PyTorch\n" +
        "LoRA trainer (training.python; CUDA when present), evaluate the candidate against the active\n" +
        "adapter, and activate it on every engine when it passes. Needs the same MODEL as the engines.\n" +
        "SIGTERM/SIGINT: stop (a training in progress is killed; the next schedule tries again).",
    )
    .action((_options: unknown, command: Command) =>
      serveRoles(command, { engine: false, gateway: false, trainer: "required", embeddedRedis: false }),
    );
}
