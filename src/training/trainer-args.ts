// The `training` settings as train.py arguments: one place, so that the scheduled trainer and
// `saiga train --dataset` train with the same hyperparameters.
import type { Config } from "../config/index.js";

/** train.py arguments for the configured hyperparameters (model, data and output are the caller's). */
export function trainerArgsOf(training: Config["training"], loss: "sft" | "kto" = training.loss): string[] {
  return [
    "--loss",
    loss,
    "--lr",
    String(training.learningRate),
    // A step budget replaces the epochs (train.py runs as many epochs as the steps need).
    ...(training.maxSteps > 0
      ? ["--max-steps", String(training.maxSteps)]
      : ["--epochs", String(training.epochs)]),
    "--batch-size",
    String(training.batchSize),
    "--lora-r",
    String(training.loraR),
    "--lora-alpha",
    String(training.loraAlpha),
    "--lora-dropout",
    String(training.loraDropout),
    "--targets",
    training.targets.join(","),
    "--beta",
    String(training.beta),
    "--lambda-d",
    String(training.lambdaD),
    "--lambda-u",
    String(training.lambdaU),
    "--device",
    training.device,
    ...(training.threads === "auto" ? [] : ["--threads", String(training.threads)]),
  ];
}

/** The arguments that matter for evaluation runs (device and threads). */
export function evalArgsOf(training: Config["training"]): string[] {
  return [
    "--device",
    training.device,
    ...(training.threads === "auto" ? [] : ["--threads", String(training.threads)]),
  ];
}
