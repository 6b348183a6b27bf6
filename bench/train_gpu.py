#!/usr/bin/env python3
"""LoRA trainer on CUDA: our trainer (src/training/trainer) against Hugging Face transformers + PEFT.

One run, made to fit in 10 minutes on one H100/H200 with Python, PyTorch 2.x, transformers and PEFT
and nothing else (no Node.js, no network, no model files: the model is generated here):

  1. a synthetic llama of ~1.1B parameters in the shape of TinyLlama-1.1B (2048 wide, 22 layers,
     32 heads, 4 KV heads, FFN 5632, vocabulary 32000, context 2048), random seeded weights, written
     as a BF16 GGUF (norms F32, as llama.cpp's converters write them) with a minimal llama tokenizer
     block, to a temporary folder;
  2. a synthetic tokenized dataset (random token ids, loss mask on the second half of each example)
     in the trainer's JSONL format;
  3. our trainer, called in-process through train.py's main() (bf16 on CUDA, gradient checkpointing
     as the trainer decides: on for CUDA), LoRA r16 on q,k,v,o,gate,up,down, batch 8 x 512 tokens;
     warm-up steps excluded from the timing, tokens/s over the measured steps from its step lines,
     and torch.cuda.max_memory_allocated;
  4. the same model (the same weights, un-permuted from the GGUF layout) as transformers'
     LlamaForCausalLM in bf16 with SDPA attention, the same gradient checkpointing, PEFT LoRA with the
     same r/alpha/dropout/targets, bf16 autocast, fused AdamW, the same learning-rate schedule,
     clipping, batches (the same order) and steps;
  5. one JSON file with the card, versions, shape, both runs and the ratio ours/baseline (target >= 1).

--cpu-smoke runs a tiny shape for a few steps on the CPU (one thread; the baseline only when
transformers and PEFT import) to check the script end to end on a machine without a GPU.
"""

import sys

sys.dont_write_bytecode = True

import argparse  # noqa: E402
import contextlib  # noqa: E402
import datetime  # noqa: E402
import gc  # noqa: E402
import importlib  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAINER_DIR = os.path.join(ROOT, "src", "training", "trainer")
sys.path.insert(0, TRAINER_DIR)

# TinyLlama-1.1B's shape (1.10B parameters); the smoke shape only exercises the code paths.
SHAPES = {
    "1.1b": dict(n_embd=2048, n_layer=22, n_head=32, n_head_kv=4, n_ff=5632, n_vocab=32000, n_ctx=2048),
    "smoke": dict(n_embd=64, n_layer=2, n_head=4, n_head_kv=2, n_ff=160, n_vocab=512, n_ctx=128),
}
# Our projection names -> transformers' module names (PEFT target_modules).
TARGETS = {
    "attn_q": "q_proj",
    "attn_k": "k_proj",
    "attn_v": "v_proj",
    "attn_output": "o_proj",
    "ffn_gate": "gate_proj",
    "ffn_up": "up_proj",
    "ffn_down": "down_proj",
}
TARGET_RATIO = 1.0
TIME_BUDGET_S = 600
INIT_STD = 0.02


def log(msg):
    sys.stderr.write("[train-gpu %6.1fs] %s\n" % (time.time() - T0, msg))
    sys.stderr.flush()


T0 = time.time()


def parse_args(argv):
    p = argparse.ArgumentParser(prog="train_gpu.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cpu-smoke", action="store_true",
                   help="tiny shape, a few steps on the CPU (checks the script, measures nothing)")
    p.add_argument("--batch-size", type=int, default=None, help="sequences per step (default 8; smoke 2)")
    p.add_argument("--seq-len", type=int, default=None, help="tokens per sequence (default 512; smoke 32)")
    p.add_argument("--warmup", type=int, default=None, help="untimed warm-up steps (default 5; smoke 1)")
    p.add_argument("--steps", type=int, default=None, help="timed steps (default 40; smoke 3)")
    p.add_argument("--layers", type=int, default=None, help="override the number of layers (quick tries)")
    p.add_argument("--lora-r", type=int, default=16)
    p.add_argument("--lora-alpha", type=float, default=16.0)
    p.add_argument("--lora-dropout", type=float, default=0.05)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--skip-baseline", action="store_true", help="time our trainer only")
    p.add_argument("--output", default=None,
                   help="JSON result path (default $OUT/train-gpu.json, else bench/results/train-gpu.json;"
                        " with --cpu-smoke train-gpu-cpu-smoke.json)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (model, data, adapter)")
    a = p.parse_args(argv)
    smoke = a.cpu_smoke
    a.batch_size = a.batch_size or (2 if smoke else 8)
    a.seq_len = a.seq_len or (32 if smoke else 512)
    a.warmup = a.warmup if a.warmup is not None else (1 if smoke else 5)
    a.steps = a.steps or (3 if smoke else 40)
    return a


# --- the synthetic model ----------------------------------------------------------------------


def gguf_permute(w, n_head):
    """HF q/k layout -> GGUF (llama.cpp's converters: rows of each head regrouped for NORM RoPE)."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def make_weights(shape, seed, device):
    """Random bf16 weights in transformers' naming and layout (CPU tensors). Matrices N(0, 0.02);
    norms 1 + N(0, 0.05) so that a mix-up of norms would show in the first losses."""
    import torch

    E, L, H, KV, F, V = (shape[k] for k in ("n_embd", "n_layer", "n_head", "n_head_kv", "n_ff", "n_vocab"))
    D = E // H
    g = torch.Generator(device=device).manual_seed(seed)

    def mat(*dims):
        return (torch.randn(*dims, generator=g, device=device) * INIT_STD).to(torch.bfloat16).cpu()

    def norm():
        return (1 + 0.05 * torch.randn(E, generator=g, device=device)).to(torch.bfloat16).cpu()

    w = {"model.embed_tokens.weight": mat(V, E)}
    for i in range(L):
        p = "model.layers.%d." % i
        w[p + "input_layernorm.weight"] = norm()
        w[p + "self_attn.q_proj.weight"] = mat(H * D, E)
        w[p + "self_attn.k_proj.weight"] = mat(KV * D, E)
        w[p + "self_attn.v_proj.weight"] = mat(KV * D, E)
        w[p + "self_attn.o_proj.weight"] = mat(E, H * D)
        w[p + "post_attention_layernorm.weight"] = norm()
        w[p + "mlp.gate_proj.weight"] = mat(F, E)
        w[p + "mlp.up_proj.weight"] = mat(F, E)
        w[p + "mlp.down_proj.weight"] = mat(E, F)
    w["model.norm.weight"] = norm()
    w["lm_head.weight"] = mat(V, E)
    return w


def tokenizer_metadata(n_vocab):
    """A minimal SentencePiece-style llama vocabulary: <unk> <s> </s>, the 256 byte tokens, fillers."""
    tokens = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)]
    tokens += ["tok%d" % i for i in range(len(tokens), n_vocab)]
    types = [2, 3, 3] + [6] * 256 + [1] * (n_vocab - 259)
    return {
        "tokenizer.ggml.model": "llama",
        "tokenizer.ggml.tokens": tokens,
        "tokenizer.ggml.scores": [float(-i) for i in range(n_vocab)],
        "tokenizer.ggml.token_type": types,
        "tokenizer.ggml.bos_token_id": 1,
        "tokenizer.ggml.eos_token_id": 2,
        "tokenizer.ggml.unknown_token_id": 0,
        "tokenizer.ggml.add_bos_token": True,
    }


def write_model_gguf(path, shape, w, name):
    from saiga_trainer.gguf_file import GGML_BF16, GGML_F32, write_gguf

    E, L, H, KV, F, V = (shape[k] for k in ("n_embd", "n_layer", "n_head", "n_head_kv", "n_ff", "n_vocab"))
    meta = {
        "general.architecture": "llama",
        "general.name": name,
        "general.file_type": 32,  # LLAMA_FTYPE_MOSTLY_BF16
        "llama.vocab_size": V,
        "llama.context_length": shape["n_ctx"],
        "llama.embedding_length": E,
        "llama.block_count": L,
        "llama.feed_forward_length": F,
        "llama.attention.head_count": H,
        "llama.attention.head_count_kv": KV,
        "llama.rope.dimension_count": E // H,
        "llama.rope.freq_base": 10000.0,
        "llama.attention.layer_norm_rms_epsilon": 1e-5,
    }
    meta.update(tokenizer_metadata(V))

    def mat(gname, t):  # row-major [n_out, n_in] -> ne [n_in, n_out]
        return (gname, t, [t.shape[1], t.shape[0]], GGML_BF16)

    def vec(gname, t):
        return (gname, t, [t.shape[0]], GGML_F32)

    tensors = [mat("token_embd.weight", w["model.embed_tokens.weight"])]
    for i in range(L):
        p = "model.layers.%d." % i
        b = "blk.%d." % i
        tensors += [
            vec(b + "attn_norm.weight", w[p + "input_layernorm.weight"]),
            mat(b + "attn_q.weight", gguf_permute(w[p + "self_attn.q_proj.weight"], H)),
            mat(b + "attn_k.weight", gguf_permute(w[p + "self_attn.k_proj.weight"], KV)),
            mat(b + "attn_v.weight", w[p + "self_attn.v_proj.weight"]),
            mat(b + "attn_output.weight", w[p + "self_attn.o_proj.weight"]),
            vec(b + "ffn_norm.weight", w[p + "post_attention_layernorm.weight"]),
            mat(b + "ffn_gate.weight", w[p + "mlp.gate_proj.weight"]),
            mat(b + "ffn_up.weight", w[p + "mlp.up_proj.weight"]),
            mat(b + "ffn_down.weight", w[p + "mlp.down_proj.weight"]),
        ]
    tensors += [vec("output_norm.weight", w["model.norm.weight"]), mat("output.weight", w["lm_head.weight"])]
    write_gguf(path, meta, tensors)


def make_dataset(path, n_examples, seq_len, n_vocab, seed):
    """Random token ids (avoiding the 3 special tokens), loss mask on the second half."""
    rng = random.Random(seed)
    examples = []
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(n_examples):
            ids = [rng.randrange(3, n_vocab) for _ in range(seq_len)]
            mask = [0] * (seq_len // 2) + [1] * (seq_len - seq_len // 2)
            examples.append((ids, mask))
            f.write(json.dumps({"input_ids": ids, "loss_mask": mask, "label": True, "weight": 1.0}) + "\n")
    return examples


# --- runs -------------------------------------------------------------------------------------


class StepLines:
    """A stdout replacement that collects the trainer's JSON lines and reports progress on stderr."""

    def __init__(self, every):
        self.buf = ""
        self.lines = []
        self.every = every

    def write(self, s):
        self.buf += s
        while "\n" in self.buf:
            line, self.buf = self.buf.split("\n", 1)
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                sys.stderr.write(line + "\n")
                continue
            self.lines.append(obj)
            if "step" in obj and (obj["step"] == 1 or obj["step"] % self.every == 0):
                log("ours step %d: loss %s, %s tokens/s" % (obj["step"], obj.get("loss"), obj.get("tokens_per_s")))
        return len(s)

    def flush(self):
        pass


def summarize(step_times, step_tokens, losses, warmup):
    dts = step_times[warmup:]
    toks = step_tokens[warmup:]
    return {
        "tokens_per_s": round(sum(toks) / sum(dts), 1),
        "step_ms_median": round(1000 * statistics.median(dts), 2),
        "step_ms_mean": round(1000 * sum(dts) / len(dts), 2),
        "timed_steps": len(dts),
        "timed_tokens": sum(toks),
        "loss_first": losses[0],
        "loss_last": losses[-1],
    }


def reset_memory(cuda):
    import torch

    gc.collect()
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def peak_memory(cuda):
    import torch

    if not cuda:
        return {"peak_memory_gib": None, "peak_reserved_gib": None}
    torch.cuda.synchronize()
    return {
        "peak_memory_gib": round(torch.cuda.max_memory_allocated() / 2**30, 3),
        "peak_reserved_gib": round(torch.cuda.max_memory_reserved() / 2**30, 3),
    }


def run_ours(a, model_path, data_path, out_dir, cuda):
    spec = importlib.util.spec_from_file_location("saiga_train_cli", os.path.join(TRAINER_DIR, "train.py"))
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    argv = [
        "--model", model_path, "--data", data_path, "--out", out_dir,
        "--max-steps", str(a.warmup + a.steps), "--batch-size", str(a.batch_size),
        "--lr", str(a.lr), "--lora-r", str(a.lora_r), "--lora-alpha", str(a.lora_alpha),
        "--lora-dropout", str(a.lora_dropout), "--targets", ",".join(TARGETS),
        "--seed", str(a.seed), "--device", "cuda" if cuda else "cpu",
        "--gradient-checkpointing", "auto",
    ]
    if not cuda:
        argv += ["--threads", "1"]
    reset_memory(cuda)
    sink = StepLines(every=10)
    t = time.time()
    try:
        with contextlib.redirect_stdout(sink):
            cli.main(argv)
    except SystemExit as e:
        raise RuntimeError("our trainer exited with code %s (see its message above)" % e.code)
    seconds = time.time() - t
    mem = peak_memory(cuda)
    steps = [x for x in sink.lines if "step" in x]
    if len(steps) != a.warmup + a.steps:
        raise RuntimeError("our trainer printed %d step lines, expected %d" % (len(steps), a.warmup + a.steps))
    tokens = a.batch_size * a.seq_len
    times = [tokens / x["tokens_per_s"] for x in steps]
    with open(os.path.join(out_dir, "metrics.json"), encoding="utf-8") as f:
        metrics = json.load(f)
    res = summarize(times, [tokens] * len(steps), [x["loss"] for x in steps], a.warmup)
    res.update(mem)
    res.update({
        "seconds_total": round(seconds, 2),
        "seconds_before_first_step": round(seconds - metrics["train_seconds"], 2),
        "gradient_checkpointing": metrics["gradient_checkpointing"],
        "dtype": metrics["dtype"],
        "metrics_json_max_memory_allocated_gib": (
            round(metrics["max_memory_allocated_bytes"] / 2**30, 3) if "max_memory_allocated_bytes" in metrics else None
        ),
    })
    return res


def _build_hf_model(torch, cls, cfg, dtype):
    """LlamaForCausalLM with SDPA attention in `dtype`, across transformers versions (`dtype` is the
    keyword from 4.56 on, `torch_dtype` before; the last resort sets the default dtype)."""
    for key in ("dtype", "torch_dtype"):
        try:
            return cls._from_config(cfg, attn_implementation="sdpa", **{key: dtype})
        except TypeError:
            pass
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        return cls(cfg)
    finally:
        torch.set_default_dtype(previous)


def baseline_versions():
    found, missing = {}, []
    for name in ("transformers", "peft"):
        try:
            found[name] = importlib.import_module(name).__version__
        except Exception as e:  # noqa: BLE001 - any import failure means no baseline
            missing.append("%s (%s: %s)" % (name, type(e).__name__, e))
    if missing:
        return None, "does not import: " + "; ".join(missing)
    return found, None


def run_baseline(a, shape, weights, examples, cuda, ckpt):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    from saiga_trainer.trainer import lr_at

    device = "cuda" if cuda else "cpu"
    dtype = torch.bfloat16 if cuda else torch.float32
    reset_memory(cuda)
    t = time.time()
    cfg = LlamaConfig(
        vocab_size=shape["n_vocab"], hidden_size=shape["n_embd"], intermediate_size=shape["n_ff"],
        num_hidden_layers=shape["n_layer"], num_attention_heads=shape["n_head"],
        num_key_value_heads=shape["n_head_kv"], max_position_embeddings=shape["n_ctx"],
        rms_norm_eps=1e-5, rope_theta=10000.0, hidden_act="silu", tie_word_embeddings=False,
        attention_bias=False, use_cache=False, bos_token_id=1, eos_token_id=2, attn_implementation="sdpa",
    )
    torch.manual_seed(a.seed)
    # Built on the device directly where torch allows it (2.x), so that initialization is quick.
    where = torch.device(device) if hasattr(torch.device(device), "__enter__") else contextlib.nullcontext()
    with where:
        model = _build_hf_model(torch, LlamaForCausalLM, cfg, dtype)
    model = model.to(device)
    if next(model.parameters()).dtype != dtype:  # (a cast of the whole model would round RoPE's inv_freq)
        model = model.to(dtype)
    missing, unexpected = model.load_state_dict(weights, strict=False)
    missing = [k for k in missing if "rotary" not in k]
    if missing or unexpected:
        raise RuntimeError("weights do not fit transformers' llama: missing %s, unexpected %s"
                           % (missing[:3], unexpected[:3]))
    model.config.use_cache = False
    attn_impl = getattr(model.config, "_attn_implementation", None)
    if ckpt:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    lcfg = LoraConfig(r=a.lora_r, lora_alpha=a.lora_alpha, lora_dropout=a.lora_dropout,
                      target_modules=list(TARGETS.values()), bias="none", task_type="CAUSAL_LM")
    model = get_peft_model(model, lcfg)
    params = [p for p in model.parameters() if p.requires_grad]
    lora_dtypes = sorted({str(p.dtype).replace("torch.", "") for p in params})
    opt_kwargs = dict(lr=a.lr, weight_decay=0.0, betas=(0.9, 0.999), eps=1e-8)
    if cuda:
        opt_kwargs["fused"] = True
    opt = torch.optim.AdamW(params, **opt_kwargs)
    autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if cuda else contextlib.nullcontext
    # The batches our trainer draws: the same seeded shuffle of the same number of examples.
    order = list(range(len(examples)))
    random.Random(a.seed).shuffle(order)
    total = a.warmup + a.steps
    warmup_lr = int(round(0.03 * total))  # train.py's default --warmup-ratio
    model.train()
    setup_s = time.time() - t
    times, losses = [], []
    for step in range(1, total + 1):
        t0 = time.time()
        lr = lr_at(step, total, warmup_lr, a.lr, 0.0)
        for g in opt.param_groups:
            g["lr"] = lr
        opt.zero_grad(set_to_none=True)
        i0 = ((step - 1) * a.batch_size) % len(order)
        batch = [examples[order[(i0 + j) % len(order)]] for j in range(a.batch_size)]
        ids = torch.tensor([b[0] for b in batch], dtype=torch.long)
        labels = torch.tensor([[t if m else -100 for t, m in zip(*b)] for b in batch], dtype=torch.long)
        ids, labels = ids.to(device), labels.to(device)
        with autocast():
            loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        loss_value = float(loss.detach())
        torch.nn.utils.clip_grad_norm_(params, 1.0).item()
        opt.step()
        if cuda:
            torch.cuda.synchronize()
        times.append(max(time.time() - t0, 1e-9))
        losses.append(round(loss_value, 6))
        if step == 1 or step % 10 == 0:
            log("baseline step %d: loss %.6f, %.1f tokens/s"
                % (step, loss_value, a.batch_size * a.seq_len / times[-1]))
    res = summarize(times, [a.batch_size * a.seq_len] * total, losses, a.warmup)
    res.update(peak_memory(cuda))
    res.update({
        "seconds_total": round(time.time() - t, 2),
        "seconds_before_first_step": round(setup_s, 2),
        "gradient_checkpointing": bool(ckpt),
        "dtype": str(dtype).replace("torch.", ""),
        "attn_implementation": attn_impl,
        "lora_param_dtypes": lora_dtypes,
        "trainable_parameters": sum(p.numel() for p in params),
    })
    del model, opt, params
    return res


# --- main -------------------------------------------------------------------------------------


def main(argv=None):
    a = parse_args(argv)
    import torch

    cuda = torch.cuda.is_available() and not a.cpu_smoke
    if not cuda and not a.cpu_smoke:
        sys.stderr.write(
            "train_gpu.py: no CUDA device is available to this PyTorch (%s); this benchmark needs one "
            "(an H100 or H200). Use --cpu-smoke to check the script on the CPU.\n" % torch.__version__
        )
        return 2
    if a.cpu_smoke:
        torch.set_num_threads(1)
    shape = dict(SHAPES["smoke" if a.cpu_smoke else "1.1b"])
    if a.layers:
        shape["n_layer"] = a.layers
    if a.seq_len > shape["n_ctx"]:
        sys.stderr.write("train_gpu.py: --seq-len %d exceeds the context %d\n" % (a.seq_len, shape["n_ctx"]))
        return 2
    if a.output:
        out_path = a.output
    else:
        name = "train-gpu-cpu-smoke.json" if a.cpu_smoke else "train-gpu.json"
        folder = os.environ.get("OUT") or os.path.join(ROOT, "bench", "results")
        out_path = os.path.join(folder, name)
    versions, why_no_baseline = baseline_versions()
    if a.skip_baseline:
        why_no_baseline = "--skip-baseline"
    if why_no_baseline and not a.cpu_smoke and not a.skip_baseline:
        log("the baseline cannot run: transformers/PEFT %s" % why_no_baseline)

    device = "cuda" if cuda else "cpu"
    card = torch.cuda.get_device_name(0) if cuda else "CPU (%s, 1 thread)" % (platform.processor() or "unknown")
    log("%s, torch %s%s; budget %d s" % (card, torch.__version__,
                                         ", " + json.dumps(versions) if versions else "", TIME_BUDGET_S))
    tmp = tempfile.mkdtemp(prefix="saiga-train-gpu-")
    result = {
        "benchmark": "train-gpu",
        "mode": "cuda" if cuda else "cpu-smoke (not a benchmark)",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "card": card,
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "cuda": torch.version.cuda,
            "transformers": versions and versions["transformers"],
            "peft": versions and versions["peft"],
        },
    }
    status = 0
    try:
        t = time.time()
        weights = make_weights(shape, a.seed, device)
        n_params = sum(v.numel() for v in weights.values())
        gen_s = time.time() - t
        model_path = os.path.join(tmp, "synthetic-llama.gguf")
        t = time.time()
        write_model_gguf(model_path, shape, weights, "synthetic-llama-%.3gB" % (n_params / 1e9))
        write_s = time.time() - t
        n_examples = a.batch_size * (a.warmup + a.steps)
        data_path = os.path.join(tmp, "data.jsonl")
        examples = make_dataset(data_path, n_examples, a.seq_len, shape["n_vocab"], a.seed)
        lora_params = a.lora_r * shape["n_layer"] * sum(
            (n_in + n_out) for n_in, n_out in _projection_dims(shape)
        )
        result.update({
            "shape": dict(shape, batch_size=a.batch_size, seq_len=a.seq_len,
                          tokens_per_step=a.batch_size * a.seq_len, weights="bf16 (norms f32)"),
            "parameters": n_params,
            "lora": {"r": a.lora_r, "alpha": a.lora_alpha, "dropout": a.lora_dropout,
                     "targets": list(TARGETS), "trainable_parameters": lora_params},
            "optimizer": {"name": "AdamW" + (" (fused)" if cuda else ""), "lr": a.lr, "weight_decay": 0.0,
                          "max_grad_norm": 1.0, "schedule": "linear warmup 3% then cosine"},
            "steps": {"warmup_untimed": a.warmup, "timed": a.steps},
            "data": {"examples": n_examples, "loss_mask": "second half of each sequence"},
            "gguf": {"bytes": os.path.getsize(model_path), "generate_s": round(gen_s, 2),
                     "write_s": round(write_s, 2)},
        })
        log("model: %s parameters, GGUF %.1f MiB (generated %.1f s, written %.1f s); %d examples x %d tokens"
            % ("{:,}".format(n_params), os.path.getsize(model_path) / 2**20, gen_s, write_s, n_examples, a.seq_len))

        ours = run_ours(a, model_path, data_path, os.path.join(tmp, "out"), cuda)
        result["ours"] = ours
        log("ours: %.1f tokens/s, peak %s GiB" % (ours["tokens_per_s"], ours["peak_memory_gib"]))

        if why_no_baseline:
            result["baseline"] = {"skipped": why_no_baseline}
            if not a.cpu_smoke and not a.skip_baseline:
                status = 1
        else:
            try:
                base = run_baseline(a, shape, weights, examples, cuda, ours["gradient_checkpointing"])
            except Exception as e:  # noqa: BLE001 - report, keep our figures
                import traceback

                traceback.print_exc()
                base = {"failed": "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")}
                status = 1
            result["baseline"] = base
            if "tokens_per_s" in base:
                log("baseline: %.1f tokens/s, peak %s GiB" % (base["tokens_per_s"], base["peak_memory_gib"]))
        del weights
        base = result["baseline"]
        ratio = round(ours["tokens_per_s"] / base["tokens_per_s"], 3) if "tokens_per_s" in base else None
        result["ratio_tokens_per_s"] = ratio
        result["ratio_peak_memory"] = (
            round(ours["peak_memory_gib"] / base["peak_memory_gib"], 3)
            if ours.get("peak_memory_gib") and base.get("peak_memory_gib") else None
        )
        # Same weights, same first batch, LoRA B = 0: the first losses agree up to rounding (bf16 on CUDA).
        result["first_step_loss_difference"] = (
            round(abs(ours["loss_first"] - base["loss_first"]), 6) if "loss_first" in base else None
        )
        result["target"] = {
            "ours_over_baseline_tokens_per_s_at_least": TARGET_RATIO,
            "met": (ratio >= TARGET_RATIO) if (ratio is not None and cuda) else None,
        }
        if not cuda:
            result["target"]["note"] = "CPU smoke: the target applies to the CUDA run only"
    except Exception as e:  # noqa: BLE001
        import traceback

        traceback.print_exc()
        result["error"] = "%s: %s" % (type(e).__name__, e)
        status = 1
    finally:
        if a.keep:
            log("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    result["seconds"] = round(time.time() - T0, 1)
    if result["seconds"] > TIME_BUDGET_S:
        log("warning: the run took %.0f s, over the %d s budget" % (result["seconds"], TIME_BUDGET_S))
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(json.dumps(result, indent=2))
    log("wrote %s" % out_path)
    if result.get("ratio_tokens_per_s") is not None:
        log("ours / baseline tokens/s = %.3f (target >= %.1f%s)" % (
            result["ratio_tokens_per_s"], TARGET_RATIO,
            "" if cuda else "; CPU smoke, not a benchmark"))
    return status


def _projection_dims(shape):
    E, H, KV, F = shape["n_embd"], shape["n_head"], shape["n_head_kv"], shape["n_ff"]
    D = E // H
    return [(E, H * D), (E, KV * D), (E, KV * D), (H * D, E), (E, F), (E, F), (F, E)]


if __name__ == "__main__":
    sys.exit(main())
