// Learning from feedback: datasets, the trainer launcher, the registry, the gate and the worker.
export * from "./dataset/index.js";
export { AdapterRegistry, AdapterRegistryError, type NewAdapter } from "./adapter-registry.js";
export { evaluateCandidate, type EvaluateCandidateOptions } from "./eval-gate.js";
export { runTraining, type RunTrainingOptions } from "./run-training.js";
export { TrainingQueue } from "./training-queue.js";
export {
  lossCurveOf,
  lossPointOf,
  trainingProgressSchema,
  TrainingProgressTracker,
  type TrainingProgress,
} from "./training-progress.js";
export { TrainingWorker, type TrainingWorkerOptions } from "./training-worker.js";
export { trainingJobSchema, TRAIN_QUEUE, type TrainingJob, type TrainingOutcome } from "./training-job.js";
export { runTrainer, pythonTorchVersion, type TrainerRun } from "./trainer/trainer-process.js";
