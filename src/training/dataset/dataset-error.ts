// A dataset that cannot be used: a missing file, a malformed line, no examples. The CLI prints
// the message (which names the file and line) and exits 1.
import { SaigaError } from "../../errors/saiga-error.js";

/** A dataset file or set of examples that cannot be used; `message` says where and why. */
export class DatasetError extends SaigaError {
  override name = "DatasetError";

  constructor(message: string, options?: { cause?: unknown }) {
    super("DATASET_INVALID", message, options);
  }
}
