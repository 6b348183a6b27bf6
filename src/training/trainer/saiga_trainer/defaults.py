"""The hyperparameters a run gets when it is not told: the one place the rule lives.

A few dozen examples and one epoch at a 7B model's learning rate teach a small model nothing
(12 steps at lr 1e-4 were measured to change no greedy token). The rule scales with the model and
the data instead:

- learning rate = 4e-4 * (4096 / n_embd) ** 0.75: Saiga's SFT rate (4e-4, LoRA on 4096-wide
  llama-3-8B / Mistral-7B) at those widths, 3.4e-4 at 13B's 5120, higher for narrow models (the
  update a LoRA needs grows as the width shrinks; the exponent is fitted on the demo model,
  128 wide, and SmolLM2-135M, 576 wide, docs/BENCHMARKS.md) and at most 1e-2;
- at least `min_steps` (100) optimizer steps: a small dataset is repeated (more epochs) until
  then, and its batch shrinks first (down to 1 for SFT, 2 for KTO, whose z0 is a batch mean) so
  that the repeats cost fewer tokens; a dataset of min_steps * batch_size examples or more
  trains one epoch at the full batch, as before.

Explicit values always win: --lr, --batch-size, --epochs or --max-steps (the last two turn the
minimum off).
"""

import math

# The learning rate at REFERENCE_WIDTH (Saiga's SFT runs on 4096-wide 7-8B models).
REFERENCE_LR = 4e-4
REFERENCE_WIDTH = 4096
WIDTH_EXPONENT = 0.75
MAX_LR = 1e-2
DEFAULT_MIN_STEPS = 100
DEFAULT_BATCH_SIZE = 4


def auto_learning_rate(n_embd):
    """The learning rate for a model `n_embd` wide (see the module's docstring)."""
    return min(MAX_LR, REFERENCE_LR * (REFERENCE_WIDTH / float(n_embd)) ** WIDTH_EXPONENT)


def auto_batch_size(n_examples, loss, max_batch, min_steps):
    """The largest batch <= max_batch that still gives `min_steps` steps per epoch, at least 1 for
    SFT and 2 for KTO."""
    floor = 2 if loss == "kto" else 1
    fit = n_examples // max(1, min_steps) if min_steps else max_batch
    return max(min(floor, max_batch), min(max_batch, fit))


def plan(args, n_embd, n_examples):
    """Fills in args.lr, args.batch_size, args.epochs and returns (total optimizer steps, the
    chosen values with how each was chosen) for a run on `n_examples` usable examples."""
    how = {}
    if args.lr is None:
        args.lr = float("%.3g" % auto_learning_rate(n_embd))
        how["lr"] = "auto: %g * (%d / n_embd %d) ** %g" % (REFERENCE_LR, REFERENCE_WIDTH, n_embd, WIDTH_EXPONENT)
    else:
        how["lr"] = "given"
    by_length = args.epochs is not None or args.max_steps is not None
    min_steps = 0 if by_length else args.min_steps
    if args.batch_size is None:
        args.batch_size = auto_batch_size(n_examples, args.loss, DEFAULT_BATCH_SIZE, min_steps)
        how["batch_size"] = "auto: at most %d, smaller for small datasets" % DEFAULT_BATCH_SIZE
    else:
        how["batch_size"] = "given"
    per_epoch = math.ceil(n_examples / (args.batch_size * args.grad_accum))
    if args.epochs is None and args.max_steps is None:
        total = max(per_epoch, min_steps)
        args.epochs = math.ceil(total / per_epoch)
        how["steps"] = "auto: one epoch, at least --min-steps %d" % min_steps
    elif args.max_steps is None:
        total = per_epoch * args.epochs
        how["steps"] = "given --epochs"
    elif args.epochs is None:
        total = args.max_steps
        args.epochs = math.ceil(total / per_epoch)
        how["steps"] = "given --max-steps"
    else:
        total = min(per_epoch * args.epochs, args.max_steps)
        how["steps"] = "given --epochs and --max-steps"
    return total, how
