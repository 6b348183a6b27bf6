// The trainer cannot run here: the configured Python is missing or cannot import PyTorch. The
// message says how to fix it, for `saiga train`, `saiga trainer` and `saiga start` alike.
import { spawnSync } from "node:child_process";
import { SaigaError } from "../../errors/saiga-error.js";

export class TrainerUnavailableError extends SaigaError {
  override name = "TrainerUnavailableError";
  constructor(python: string) {
    const found = spawnSync(python, ["--version"], { encoding: "utf8", timeout: 30_000 }).status === 0;
    super(
      "TRAINER_UNAVAILABLE",
      (found
        ? `${python} cannot import torch (PyTorch), which the trainer needs`
        : `Python not found: ${python}`) +
        ": install PyTorch (Debian/Ubuntu: apt-get install python3-torch; elsewhere: pip install torch) " +
        "or set training.python (env SAIGA_TRAINING_PYTHON) to a Python that has it.",
    );
  }
}
