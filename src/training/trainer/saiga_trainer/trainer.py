"""Training, evaluation and greedy decoding on tokenized JSONL.

Each data line: {"input_ids": [...], "loss_mask": [0/1 ...], "label": true|false, "weight": 1.0};
loss_mask[t] = 1 marks token t as an answer token (predicted from the tokens before it).
"""

import contextlib
import json
import math
import os
import random
import sys
import time

import torch

from . import defaults
from .gguf_file import GgufFile, ggml_type_name, write_lora_adapter
from .llama_model import LlamaModel
from .llamacpp import Emulator, describe
from .losses import kto_loss, sft_loss


class UsageError(Exception):
    """Bad arguments or input data (reported as one line, exit code 2)."""


class TrainingDiverged(Exception):
    """The loss stopped being a finite number (reported as one line, exit code 1)."""


class Example:
    __slots__ = ("index", "ids", "mask", "label", "weight", "n_target")

    def __init__(self, index, ids, mask, label, weight):
        self.index = index
        self.ids = ids
        self.mask = mask
        self.label = label
        self.weight = weight
        self.n_target = sum(mask[1:])


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def load_examples(path, n_vocab):
    """Reads and checks tokenized JSONL; raises UsageError naming the line on bad input."""
    try:
        f = open(path, "r", encoding="utf-8")
    except OSError as e:
        raise UsageError("cannot read %s: %s" % (path, e.strerror or e))
    out = []
    with f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = "%s line %d" % (path, lineno)
            try:
                obj = json.loads(line)
            except ValueError as e:
                raise UsageError("%s: not JSON (%s)" % (where, e))
            if not isinstance(obj, dict):
                raise UsageError("%s: expected a JSON object" % where)
            ids = obj.get("input_ids")
            mask = obj.get("loss_mask")
            if not isinstance(ids, list) or not ids or not all(_is_int(t) for t in ids):
                raise UsageError("%s: input_ids must be a non-empty list of integers" % where)
            if any(t < 0 or t >= n_vocab for t in ids):
                raise UsageError("%s: a token id is outside the model's vocabulary of %d" % (where, n_vocab))
            if mask is None:
                raise UsageError("%s: loss_mask is missing" % where)
            if not isinstance(mask, list) or len(mask) != len(ids) or not all(m in (0, 1) and _is_int(m) for m in mask):
                raise UsageError("%s: loss_mask must be a list of 0/1 as long as input_ids" % where)
            label = obj.get("label", True)
            if not isinstance(label, bool):
                raise UsageError("%s: label must be true or false" % where)
            weight = obj.get("weight", 1.0)
            if not _is_number(weight) or not math.isfinite(weight) or weight < 0:
                raise UsageError("%s: weight must be a non-negative number" % where)
            out.append(Example(len(out), ids, [int(m) for m in mask], label, float(weight)))
    if not out:
        raise UsageError("%s holds no examples" % path)
    return out


def collate(examples, device, pad_id=0):
    """Right-padded [B, T] ids and mask (padding is never a target, and causal attention keeps
    real tokens from seeing it)."""
    T = max(len(e.ids) for e in examples)
    ids = torch.full((len(examples), T), pad_id, dtype=torch.long)
    mask = torch.zeros((len(examples), T), dtype=torch.long)
    for i, e in enumerate(examples):
        ids[i, : len(e.ids)] = torch.tensor(e.ids, dtype=torch.long)
        mask[i, : len(e.mask)] = torch.tensor(e.mask, dtype=torch.long)
    labels = torch.tensor([e.label for e in examples], dtype=torch.bool)
    weights = torch.tensor([e.weight for e in examples], dtype=torch.float32)
    return ids.to(device), mask.to(device), labels.to(device), weights.to(device)


def pick_device(name):
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: no CUDA device is available to this PyTorch")
    return name


def cpu_has_fast_bf16():
    """Whether this CPU multiplies bf16 matrices natively (AMX or AVX-512 BF16, through oneDNN):
    there bf16 products are 10-20x faster than float32 ones through the BLAS Debian's torch links
    (docs/BENCHMARKS.md). Decided from the CPU flags, not by timing, so that a seed gives the
    same adapter on every run on a machine."""
    if not torch.backends.mkldnn.is_available():
        return False
    try:
        with open("/proc/cpuinfo", "r", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"amx_bf16", "avx512_bf16"})
    except OSError:
        pass
    return False


def pick_dtype(name, device, training=False):
    """Base weights' dtype: auto = bf16 on CUDA, and for training on CPUs with native bf16
    products (training and --eval, which compares base and adapter in one dtype); else float32
    (--greedy stays float32 on the CPU: the parity checks against llama.cpp want exact weights)."""
    if name == "auto":
        if device.startswith("cuda") or (training and cpu_has_fast_bf16()):
            return torch.bfloat16
        return torch.float32
    return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[name]


def autocast_for(device, dtype):
    """Mixed precision where the base weights are half: products in their dtype, LoRA parameters,
    norms, softmax and the residual stream in float32."""
    if dtype not in (torch.bfloat16, torch.float16):
        return contextlib.nullcontext
    if device.startswith("cuda"):
        return lambda: torch.autocast("cuda", dtype=dtype)
    if dtype == torch.bfloat16:
        return lambda: torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext


def _finite(v):
    """JSON has no NaN or Infinity: non-finite floats are written as null."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite(x) for x in v]
    return v


def emit(obj):
    sys.stdout.write(json.dumps(_finite(obj), ensure_ascii=False) + "\n")
    sys.stdout.flush()


def lr_at(step, total, warmup, base_lr, min_ratio):
    """Learning rate of optimizer step `step` (1-based): linear warmup to base_lr over `warmup`
    steps, then cosine decay from base_lr towards base_lr * min_ratio (reached after the last step)."""
    i = step - 1
    if i < warmup:
        return base_lr * (i + 1) / warmup
    progress = (i - warmup) / max(1, total - warmup)
    return base_lr * (min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def load_model(args, device, training=False):
    dtype = pick_dtype(args.dtype, device, training)
    model = LlamaModel(args.model, device=device, dtype=dtype)
    return model, dtype


def train(args):
    t_start = time.time()
    device = pick_device(args.device)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    model, dtype = load_model(args, device, training=True)
    cfg = model.cfg
    examples = load_examples(args.data, cfg.n_vocab)
    max_len = args.max_length or cfg.context_length
    too_long = [e for e in examples if len(e.ids) > max_len]
    usable = [e for e in examples if len(e.ids) <= max_len and e.n_target > 0 and e.weight > 0]
    if args.loss == "sft":
        usable = [e for e in usable if e.label]
    if not usable:
        what = "desirable (label true) " if args.loss == "sft" else ""
        raise UsageError(
            "%s: no usable %sexamples (need answer tokens in loss_mask, weight > 0, at most %d tokens)"
            % (args.data, what, max_len)
        )
    if too_long:
        sys.stderr.write("train.py: skipped %d example(s) longer than %d tokens\n" % (len(too_long), max_len))

    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    if args.init_adapter:
        model.load_adapter(args.init_adapter, trainable=True, dropout=args.lora_dropout)
        lora_alpha, lora_r = model.lora_alpha, model.lora_rank
    else:
        model.add_lora(targets, args.lora_r, args.lora_alpha, args.lora_dropout, seed=args.seed)
        lora_alpha, lora_r = args.lora_alpha, args.lora_r
    ckpt = args.gradient_checkpointing == "on" or (
        args.gradient_checkpointing == "auto" and device.startswith("cuda")
    )
    model.gradient_checkpointing = ckpt
    params = model.lora_parameters()
    total, how = defaults.plan(args, cfg.n_embd, len(usable))
    opt_kwargs = dict(lr=args.lr, weight_decay=args.weight_decay, betas=(0.9, 0.999), eps=1e-8)
    if device.startswith("cuda") and "fused" in torch.optim.AdamW.__init__.__code__.co_varnames:
        opt_kwargs["fused"] = True
    optimizer = torch.optim.AdamW(params, **opt_kwargs)
    autocast = autocast_for(device, dtype)

    warmup = args.warmup_steps if args.warmup_steps is not None else int(round(args.warmup_ratio * total))
    emit({"plan": {"loss": args.loss, "lr": args.lr, "batch_size": args.batch_size, "steps": total,
                   "epochs": args.epochs, "examples": len(usable), "lora_r": lora_r, "lora_alpha": lora_alpha,
                   "warmup_steps": warmup, "n_embd": cfg.n_embd, "dtype": str(dtype).replace("torch.", ""),
                   "device": device_description(device), "how": how}})
    rng = random.Random(args.seed)

    def batches():
        while True:
            order = list(usable)
            rng.shuffle(order)
            for i in range(0, len(order), args.batch_size):
                yield order[i : i + args.batch_size]

    ref = reference_logprobs(model, usable, device, autocast, args.batch_size_eval) if args.loss == "kto" else None

    source = batches()
    model.train()
    step = 0
    tokens_total = 0
    last_loss = None
    losses = []
    train_start = time.time()
    while step < total:
        step += 1
        t0 = time.time()
        lr = lr_at(step, total, warmup, args.lr, args.min_lr_ratio)
        for g in optimizer.param_groups:
            g["lr"] = lr
        optimizer.zero_grad(set_to_none=True)
        step_loss = 0.0
        step_tokens = 0
        extra = {}
        for _ in range(args.grad_accum):
            batch = next(source)
            ids, mask, labels, weights = collate(batch, device)
            step_tokens += sum(len(e.ids) for e in batch)
            if args.loss == "kto":
                refs = torch.tensor([ref[e.index] for e in batch], dtype=torch.float32, device=ids.device)
                with autocast():
                    pol, counts = model.target_logprobs(ids, mask)
                loss, r, z0 = kto_loss(pol, refs, labels, weights, args.beta, args.lambda_d, args.lambda_u)
                if args.sft_weight > 0:
                    loss = loss + args.sft_weight * sft_loss(pol, counts, weights * labels.to(weights.dtype))
                extra = {"z0": round(float(z0), 6), "reward": round(float(r.mean()), 6)}
            else:
                with autocast():
                    sums, counts = model.target_logprobs(ids, mask)
                loss = sft_loss(sums, counts, weights)
            (loss / args.grad_accum).backward()
            step_loss += float(loss.detach()) / args.grad_accum
        grad_norm = None
        if args.max_grad_norm and args.max_grad_norm > 0:
            grad_norm = float(torch.nn.utils.clip_grad_norm_(params, args.max_grad_norm))
        optimizer.step()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        dt = max(time.time() - t0, 1e-9)
        tokens_total += step_tokens
        last_loss = step_loss
        losses.append(step_loss)
        line = {"step": step, "loss": round(step_loss, 6), "tokens_per_s": round(step_tokens / dt, 1), "lr": lr}
        if grad_norm is not None:
            line["grad_norm"] = round(grad_norm, 6)
        line.update(extra)
        emit(line)
        if not math.isfinite(step_loss):
            raise TrainingDiverged(
                "training diverged at step %d (the loss is not a finite number); lower --lr" % step
            )
    train_seconds = time.time() - train_start

    os.makedirs(args.out, exist_ok=True)
    adapter_path = os.path.join(args.out, "adapter.gguf")
    write_lora_adapter(adapter_path, cfg.arch, lora_alpha, model.lora_pairs(), name=args.name)
    hyper = {
        "loss": args.loss,
        "epochs": args.epochs,
        "max_steps": args.max_steps,
        "min_steps": args.min_steps,
        "steps": total,
        "batch_size": args.batch_size,
        "grad_accum": args.grad_accum,
        "lr": args.lr,
        "min_lr_ratio": args.min_lr_ratio,
        "weight_decay": args.weight_decay,
        "warmup_steps": warmup,
        "max_grad_norm": args.max_grad_norm,
        "lora_r": lora_r,
        "lora_alpha": lora_alpha,
        "lora_dropout": args.lora_dropout,
        "targets": sorted({n.split(".")[2] for n, _, _ in model.lora_pairs()}),
        "seed": args.seed,
        "max_length": max_len,
    }
    if args.loss == "kto":
        hyper.update({"beta": args.beta, "lambda_d": args.lambda_d, "lambda_u": args.lambda_u,
                      "sft_weight": args.sft_weight})
    hyper["chosen"] = how
    metrics = {
        "final_loss": last_loss,
        "mean_loss_last_10": sum(losses[-10:]) / max(1, len(losses[-10:])),
        "steps": step,
        "tokens": tokens_total,
        "tokens_per_s": round(tokens_total / max(train_seconds, 1e-9), 1),
        "seconds": round(time.time() - t_start, 3),
        "train_seconds": round(train_seconds, 3),
        "examples": len(usable),
        "skipped_too_long": len(too_long),
        "hyperparameters": hyper,
        "device": device_description(device),
        "dtype": str(dtype).replace("torch.", ""),
        "gradient_checkpointing": ckpt,
        "torch": torch.__version__,
        "model": os.path.abspath(args.model),
        "data": os.path.abspath(args.data),
        "adapter": os.path.abspath(adapter_path),
    }
    metrics["seconds_per_step"] = round(train_seconds / max(1, step), 4)
    metrics["peak_rss_bytes"] = peak_rss_bytes()
    if device.startswith("cuda"):
        metrics["max_memory_allocated_bytes"] = torch.cuda.max_memory_allocated()
    metrics_path = os.path.join(args.out, "metrics.json")
    tmp = metrics_path + ".partial"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(metrics, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, metrics_path)
    emit({"done": True, "steps": step, "final_loss": last_loss, "adapter": adapter_path, "metrics": metrics_path,
          "seconds": metrics["seconds"]})


def peak_rss_bytes():
    """The process's peak resident memory (Linux reports KiB, macOS bytes); None where unknown."""
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def reference_logprobs(model, examples, device, autocast, batch_size):
    """KTO's log pi_ref(y|x) per example index: the model with LoRA off, computed once before
    training (one no-grad pass; identical examples share one forward)."""
    by_key = {}
    for e in examples:
        by_key.setdefault((tuple(e.ids), tuple(e.mask)), []).append(e.index)
    distinct = [(key, idx) for key, idx in by_key.items()]
    out = {}
    was_training = model.training
    model.eval()
    model.set_lora_enabled(False)
    try:
        for i in range(0, len(distinct), batch_size):
            chunk = distinct[i : i + batch_size]
            ids, mask, _, _ = collate([Example(0, list(k[0]), list(k[1]), True, 1.0) for k, _ in chunk], device)
            with torch.no_grad(), autocast():
                sums, _ = model.target_logprobs(ids, mask)
            for (_, idx), v in zip(chunk, sums.tolist()):
                for j in idx:
                    out[j] = v
    finally:
        model.set_lora_enabled(True)
        model.train(was_training)
    return out


def device_description(device):
    if device.startswith("cuda"):
        return "cuda:%s" % torch.cuda.get_device_name(torch.device(device))
    return "cpu (%d threads)" % torch.get_num_threads()


def evaluate(args):
    """Per example: summed log-likelihood of the masked tokens under the base model and, with
    --adapter, under the adapted one. With --emulate, from the logits llama.cpp computes (each
    example evaluated as one llama_decode, on the CPU)."""
    if args.emulate:
        return _evaluate_emulated(args)
    device = pick_device(args.device)
    model, dtype = load_model(args, device, training=True)
    examples = load_examples(args.data, model.cfg.n_vocab)
    if args.adapter:
        model.load_adapter(args.adapter)
    model.eval()
    autocast = autocast_for(device, dtype)
    totals = {"base": 0.0, "adapter": 0.0}
    n_tokens = 0
    for i in range(0, len(examples), args.batch_size):
        batch = examples[i : i + args.batch_size]
        ids, mask, _, _ = collate(batch, device)
        results = {}
        with torch.no_grad(), autocast():
            model.set_lora_enabled(False)
            results["base"], counts = model.target_logprobs(ids, mask)
            if args.adapter:
                model.set_lora_enabled(True)
                results["adapter"], _ = model.target_logprobs(ids, mask)
        for j, e in enumerate(batch):
            line = {"index": e.index, "label": e.label, "weight": e.weight, "tokens": int(counts[j])}
            for k, v in results.items():
                line[k] = float(v[j])
                totals[k] += float(v[j])
            n_tokens += int(counts[j])
            emit(line)
    summary = {"done": True, "examples": len(examples), "tokens": n_tokens, "base": totals["base"]}
    if args.adapter:
        summary["adapter"] = totals["adapter"]
    emit(summary)


def _emulator(args):
    """The model on the CPU (the llama.cpp emulation runs there) with --adapter loaded, and its
    Emulator."""
    args.device = "cpu"
    model, _ = load_model(args, "cpu")
    if args.adapter:
        model.load_adapter(args.adapter)
    model.eval()
    return model, Emulator(model, ubatch=args.ubatch)


def _evaluate_emulated(args):
    model, em = _emulator(args)
    examples = load_examples(args.data, model.cfg.n_vocab)
    totals = {"base": 0.0, "adapter": 0.0}
    n_tokens = 0
    for e in examples:
        line = {"index": e.index, "label": e.label, "weight": e.weight, "tokens": e.n_target}
        targets = [t for t in range(1, len(e.ids)) if e.mask[t]]
        for key in ("base", "adapter") if args.adapter else ("base",):
            model.set_lora_enabled(key == "adapter")
            em.reset()
            logits = em.decode(e.ids[:-1], all_logits=True) if targets else None
            v = 0.0
            if targets:
                lp = torch.log_softmax(logits.double(), dim=-1)
                at = torch.tensor(targets)
                v = float(lp[at - 1, torch.tensor(e.ids)[at]].sum())
            line[key] = v
            totals[key] += v
        n_tokens += e.n_target
        emit(line)
    summary = {"done": True, "examples": len(examples), "tokens": n_tokens, "base": totals["base"]}
    if args.adapter:
        summary["adapter"] = totals["adapter"]
    summary["emulation"] = em.describe()
    emit(summary)


def _token_list(text, what, n_vocab):
    try:
        ids = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise UsageError("%s %r: expected comma-separated token ids" % (what, text))
    if not ids or any(t < 0 or t >= n_vocab for t in ids):
        raise UsageError("%s %r: token ids must be within the vocabulary of %d" % (what, text, n_vocab))
    return ids


def greedy(args):
    """Per --prompt: the greedy continuation (and top1-top2 logit margins) without and, with
    --adapter, with the adapter. --expect / --expect-adapter (one per prompt) give another engine's
    continuation, scored teacher-forced: gaps (max logit - its token's logit) and margins.
    By default the logits are llama.cpp's (the emulation, on the CPU: the prompt as one decode
    call, then one call per token); --no-emulate uses the trainer's own forward pass."""
    emulate = args.emulate is not False
    if emulate:
        model, em = _emulator(args)
    else:
        model, _ = load_model(args, pick_device(args.device))
    n_vocab = model.cfg.n_vocab
    if not args.prompt:
        raise UsageError("--greedy needs at least one --prompt (comma-separated token ids)")
    prompts = [_token_list(p, "--prompt", n_vocab) for p in args.prompt]
    expects = {}
    for key, values in (("base", args.expect), ("adapter", args.expect_adapter)):
        if values:
            if len(values) != len(prompts):
                raise UsageError("give one --%s per --prompt" % ("expect" if key == "base" else "expect-adapter"))
            expects[key] = [_token_list(v, "--expect", n_vocab) for v in values]
    if "adapter" in expects and not args.adapter:
        raise UsageError("--expect-adapter needs --adapter")
    if args.adapter and not emulate:
        model.load_adapter(args.adapter)
    model.eval()
    r5 = lambda xs: [round(x, 5) for x in xs]  # noqa: E731
    for i, ids in enumerate(prompts):
        line = {"prompt": i, "emulation": em.describe() if emulate else None}
        for key in ("base", "adapter") if args.adapter else ("base",):
            model.set_lora_enabled(key == "adapter")
            prefix = "" if key == "base" else "adapter_"
            if emulate:
                result = em.greedy(ids, args.greedy)
                tokens, margins = result[0], result[1]
            else:
                tokens, margins = model.greedy(ids, args.greedy)
            line[prefix + "tokens"] = tokens
            line[prefix + "margins"] = r5(margins)
            if key in expects:
                if emulate:
                    gaps, fmargins = em.forced(ids, expects[key][i], result)
                else:
                    gaps, fmargins = model.forced(ids, expects[key][i])
                line[prefix + "expect_gaps"] = r5(gaps)
                line[prefix + "expect_margins"] = r5(fmargins)
        emit(line)


def inspect(args):
    """One JSON line: GGUF version, alignment, metadata and tensor infos (and --tensor values)."""
    f = GgufFile(args.model)
    out = {
        "version": f.version,
        "alignment": f.alignment,
        "metadata": f.metadata,
        "tensors": [{"name": t.name, "dims": t.dims, "type": ggml_type_name(t.type)} for t in f.tensors.values()],
    }
    if args.tensor:
        out["values"] = {name: f.tensor(name).reshape(-1).tolist() for name in args.tensor}
    emit(out)
