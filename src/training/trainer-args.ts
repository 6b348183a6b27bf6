// The `training` settings as train.py arguments: one place, so that the scheduled trainer and
// `saiga train --dataset` train with the same hyperparameters.
import type { Config } from "../config/index.js";

/**
 * train.py arguments for the configured hyperparameters (model, data and output are the caller's).
 * A step budget (`maxSteps` > 0) replaces the epochs — train.py runs as many as the steps need —
 * unless `capEpochs`: then the epochs are passed too and cap the steps.
 */
export function trainerArgsOf(
  training: Config["training"],
  loss: "sft" | "kto" = training.loss,
  options: { capEpochs?: boolean } = {},
): string[] {
  const steps = training.maxSteps > 0 ? ["--max-steps", String(training.maxSteps)] : [];
  const epochs = training.maxSteps === 0 || options.capEpochs ? ["--epochs", String(training.epochs)] : [];
  return [
    ...["--loss", loss, "--lr", String(training.learningRate), ...steps, ...epochs],
    ...["--batch-size", String(training.batchSize)],
    ...["--lora-r", String(training.loraR), "--lora-alpha", String(training.loraAlpha)],
    ...["--lora-dropout", String(training.loraDropout), "--targets", training.targets.join(",")],
    ...[
      "--beta",
      String(training.beta),
      "--lambda-d",
      String(training.lambdaD),
      "--lambda-u",
      String(training.lambdaU),
    ],
    ...evalArgsOf(training),
  ];
}

/** The arguments that matter for evaluation runs too: device and threads. */
export function evalArgsOf(training: Config["training"]): string[] {
  return [
    "--device",
    training.device,
    ...(training.threads === "auto" ? [] : ["--threads", String(training.threads)]),
  ];
}
