#!/usr/bin/env python3
"""LoRA trainer for llama GGUF models (PyTorch only; CPU with torch >= 1.13, CUDA with torch 2.x).

  train.py --model M.gguf --data tokenized.jsonl --out DIR [options]     train, write DIR/adapter.gguf
  train.py --eval --model M.gguf --data D.jsonl [--adapter A.gguf]       log-likelihood per example
  train.py --greedy N --model M.gguf --prompt 1,2,3 [--adapter A.gguf]   greedy token ids (as llama.cpp)
  train.py --inspect --model F.gguf [--tensor NAME]                      metadata, tensors (values)

Training prints one JSON line per step ({"step","loss","tokens_per_s","lr",...}) and a final
{"done": true, ...}; DIR/metrics.json holds the run's figures. Bad arguments or input files end
with one line on stderr and exit code 2.
"""

import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

import argparse  # noqa: E402
import os  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from saiga_trainer import DEFAULT_TARGETS  # noqa: E402  (torch-free: --help stays fast)
from saiga_trainer.defaults import DEFAULT_MIN_STEPS  # noqa: E402


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        sys.stderr.write("train.py: %s (see --help)\n" % message)
        sys.exit(2)


def positive_int(s):
    try:
        v = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not an integer" % s)
    if v <= 0:
        raise argparse.ArgumentTypeError("%r must be positive" % s)
    return v


def auto_or(parse):
    """`auto` (None: the trainer chooses, saiga_trainer/defaults.py) or a value for `parse`."""

    def parse_auto(s):
        return None if s == "auto" else parse(s)

    parse_auto.__name__ = parse.__name__
    return parse_auto


def non_negative_float(s):
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number" % s)
    if not v >= 0:
        raise argparse.ArgumentTypeError("%r must be >= 0" % s)
    return v


def build_parser():
    p = OneLineParser(prog="train.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="base model GGUF (llama architecture)")
    p.add_argument("--data", help="tokenized JSONL (input_ids, loss_mask, label, weight)")
    p.add_argument("--out", help="output folder for adapter.gguf and metrics.json")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--eval", action="store_true", help="print per-example log-likelihoods and exit")
    mode.add_argument("--greedy", type=positive_int, metavar="N", help="print N greedy tokens per --prompt")
    mode.add_argument("--inspect", action="store_true", help="print the GGUF's metadata and tensor list as JSON")
    p.add_argument("--tensor", action="append", help="(--inspect) also print this tensor's values, dequantized")
    p.add_argument("--prompt", action="append", help="comma-separated prompt token ids (--greedy; repeatable)")
    p.add_argument("--expect", action="append", help="(--greedy) another engine's continuation per prompt")
    p.add_argument("--expect-adapter", action="append", help="(--greedy) the same, with --adapter applied")
    p.add_argument("--adapter", help="GGUF LoRA adapter to compare with the base (--eval, --greedy)")
    p.add_argument("--emulate", dest="emulate", action="store_true", default=None,
                   help="(--eval, --greedy) compute llama.cpp's logits bit for bit (CPU; on by default for --greedy)")
    p.add_argument("--no-emulate", dest="emulate", action="store_false",
                   help="(--greedy) use the trainer's own float32 forward pass instead")
    p.add_argument("--ubatch", type=positive_int, default=512,
                   help="(emulation) llama.cpp's n_ubatch: longer decode calls are split into batches of this size")
    p.add_argument("--loss", choices=["sft", "kto"], default="sft")
    p.add_argument("--epochs", type=auto_or(positive_int), default=None,
                   help="passes over the data (default auto: 1, or as many as --min-steps needs)")
    p.add_argument("--max-steps", type=auto_or(positive_int), default=None,
                   help="stop after this many optimizer steps (default: by epochs)")
    p.add_argument("--min-steps", type=int, default=DEFAULT_MIN_STEPS,
                   help="without --epochs/--max-steps: repeat a small dataset up to this many steps "
                   "(default %d; 0 = one epoch)" % DEFAULT_MIN_STEPS)
    p.add_argument("--batch-size", type=auto_or(positive_int), default=None,
                   help="examples per step (default auto: 4, smaller when the data gives under --min-steps)")
    p.add_argument("--grad-accum", type=positive_int, default=1)
    p.add_argument("--lr", type=auto_or(non_negative_float), default=None,
                   help="peak learning rate (default auto: 4e-4 * (4096 / n_embd) ** 0.75, at most 1e-2)")
    p.add_argument("--min-lr-ratio", type=non_negative_float, default=0.0, help="cosine floor as a share of --lr")
    p.add_argument("--weight-decay", type=non_negative_float, default=0.0)
    p.add_argument("--warmup-steps", type=int, default=None)
    p.add_argument("--warmup-ratio", type=non_negative_float, default=0.03)
    p.add_argument("--max-grad-norm", type=non_negative_float, default=1.0, help="0 turns clipping off")
    p.add_argument("--lora-r", type=positive_int, default=16)
    p.add_argument("--lora-alpha", type=non_negative_float, default=16.0)
    p.add_argument("--lora-dropout", type=non_negative_float, default=0.05)
    p.add_argument("--targets", default=",".join(DEFAULT_TARGETS), help="comma-separated projections")
    p.add_argument("--init-adapter", help="continue training this GGUF LoRA adapter")
    p.add_argument("--beta", type=non_negative_float, default=0.2, help="KTO beta")
    p.add_argument("--lambda-d", type=non_negative_float, default=1.0, help="KTO weight of desirable examples")
    p.add_argument("--sft-weight", type=non_negative_float, default=1.0,
                   help="KTO: weight of an SFT term (mean NLL of the desirable answers); 0 = KTO alone")
    p.add_argument("--lambda-u", type=non_negative_float, default=1.0, help="KTO weight of undesirable examples")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--dtype", choices=["auto", "float32", "bfloat16"], default="auto",
                   help="base weights: auto = bfloat16 on CUDA and for training on CPUs with native bf16 "
                   "(AMX, AVX-512 BF16), else float32")
    p.add_argument("--threads", type=positive_int, default=None, help="CPU threads for torch")
    p.add_argument("--max-length", type=positive_int, default=None, help="skip longer examples (default: context)")
    p.add_argument("--gradient-checkpointing", choices=["auto", "on", "off"], default="auto")
    p.add_argument("--name", default=None, help="general.name of the adapter")
    p.add_argument("--eval-batch-size", dest="batch_size_eval", type=positive_int, default=8)
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    from saiga_trainer.gguf_file import GgufError
    from saiga_trainer import trainer

    try:
        if args.greedy:
            return trainer.greedy(args)
        if args.inspect:
            return trainer.inspect(args)
        if not args.data:
            raise trainer.UsageError("--data is required")
        if not os.path.isfile(args.data):
            raise trainer.UsageError("data file not found: %s" % args.data)
        if not os.path.isfile(args.model):
            raise trainer.UsageError("model file not found: %s" % args.model)
        if args.adapter and not os.path.isfile(args.adapter):
            raise trainer.UsageError("adapter file not found: %s" % args.adapter)
        if args.eval:
            args.batch_size = args.batch_size_eval
            return trainer.evaluate(args)
        if not args.out:
            raise trainer.UsageError("--out is required for training")
        if args.min_steps < 0:
            raise trainer.UsageError("--min-steps must be >= 0")
        return trainer.train(args)
    except (trainer.UsageError, GgufError, ValueError) as e:
        sys.stderr.write("train.py: %s\n" % _one_line(e))
        sys.exit(2)
    except trainer.TrainingDiverged as e:
        sys.stderr.write("train.py: %s\n" % _one_line(e))
        sys.exit(1)


def _one_line(e):
    text = str(e).strip()
    return text.splitlines()[0] if text else repr(e)


if __name__ == "__main__":
    main()
