"""The llama forward pass as llama.cpp computes it for `general.architecture = llama`, on weights read
straight from the GGUF (no un-permuting: llama.cpp's converters permute attn_q/attn_k for its
pairwise "NORM" RoPE, which is the RoPE used here), with LoRA on chosen projections.

A GGUF weight with ne=[n_in, n_out] is a row-major [n_out, n_in] matrix, so y = x @ W.T.
"""

import math

import torch
import torch.nn as nn
import torch.utils.checkpoint
import torch.nn.functional as F

from . import DEFAULT_TARGETS
from .gguf_file import GgufError, GgufFile

# Every projection that can carry LoRA (the defaults are all of them).
ALL_TARGETS = DEFAULT_TARGETS

_HAS_SDPA = hasattr(F, "scaled_dot_product_attention")


def autocasting():
    """True inside torch.autocast on CUDA or on the CPU (bf16 there): F.linear then casts by itself."""
    return torch.is_autocast_enabled() or torch.is_autocast_cpu_enabled()


class LlamaConfig:
    """Hyperparameters, all read from the GGUF metadata (and tensor shapes where metadata is optional)."""

    def __init__(self, gguf):
        arch = gguf.get("general.architecture")
        if arch != "llama":
            raise GgufError(
                "%s: architecture %r is not supported (the trainer implements llama)" % (gguf.path, arch)
            )
        if gguf.get("general.type") == "adapter":
            raise GgufError("%s is a LoRA adapter, not a model" % gguf.path)
        self.arch = arch

        def need(key):
            v = gguf.get("%s.%s" % (arch, key))
            if v is None:
                raise GgufError("%s: metadata %s.%s is missing" % (gguf.path, arch, key))
            return _uniform(gguf.path, key, v)

        def opt(key, default):
            v = gguf.get("%s.%s" % (arch, key))
            return default if v is None else _uniform(gguf.path, key, v)

        if (opt("expert_count", 0) or 0) > 0:
            raise GgufError("%s: mixture-of-experts llama models are not supported" % gguf.path)
        self.n_embd = int(need("embedding_length"))
        self.n_layer = int(need("block_count"))
        self.n_head = int(need("attention.head_count"))
        self.n_head_kv = int(opt("attention.head_count_kv", self.n_head))
        if self.n_head <= 0 or self.n_head_kv <= 0 or self.n_head % self.n_head_kv:
            raise GgufError(
                "%s: head_count %d is not a multiple of head_count_kv %d" % (gguf.path, self.n_head, self.n_head_kv)
            )
        self.head_dim = int(opt("attention.key_length", self.n_embd // self.n_head))
        self.head_dim_v = int(opt("attention.value_length", self.head_dim))
        self.eps = float(opt("attention.layer_norm_rms_epsilon", 1e-5))
        self.rope_base = float(opt("rope.freq_base", 10000.0))
        self.n_rot = int(opt("rope.dimension_count", self.head_dim))
        if self.n_rot % 2 or self.n_rot > self.head_dim:
            raise GgufError(
                "%s: rope.dimension_count %d does not fit head size %d" % (gguf.path, self.n_rot, self.head_dim)
            )
        scaling = opt("rope.scaling.type", None)
        factor = float(opt("rope.scaling.factor", 0.0) or 0.0)
        if scaling is None and opt("rope.scale_linear", None) is not None:
            scaling, factor = "linear", float(opt("rope.scale_linear", 1.0))
        if scaling in (None, "none") or factor in (0.0, 1.0):
            self.rope_freq_scale = 1.0
        elif scaling == "linear":
            self.rope_freq_scale = 1.0 / factor
        else:
            raise GgufError("%s: RoPE scaling %r is not supported (none and linear are)" % (gguf.path, scaling))
        self.context_length = int(opt("context_length", 2048))
        emb = gguf.tensors.get("token_embd.weight")
        if emb is None:
            raise GgufError("%s: tensor token_embd.weight is missing" % gguf.path)
        self.n_vocab = emb.dims[1]
        gate = gguf.tensors.get("blk.0.ffn_gate.weight")
        self.n_ff = int(opt("feed_forward_length", gate.dims[1] if gate else 0))
        self.tied_output = "output.weight" not in gguf.tensors

    def as_dict(self):
        return dict(self.__dict__)


def _uniform(path, key, v):
    """Per-layer arrays (some converters write them) must hold one value for a dense llama."""
    if isinstance(v, list):
        if not v or any(x != v[0] for x in v):
            raise GgufError("%s: per-layer %s values differ; not supported" % (path, key))
        return v[0]
    return v


class LoraLinear(nn.Module):
    """y = x W^T (+ bias) + scaling * B(A(dropout(x))); W frozen, A and B trainable float32."""

    def __init__(self, weight, bias=None):
        super().__init__()
        self.register_buffer("weight", weight, persistent=False)
        self.register_buffer("bias", bias, persistent=False)
        self.n_out, self.n_in = weight.shape
        self.lora_A = None
        self.lora_B = None
        self.scaling = 0.0
        self.dropout = None
        self.lora_enabled = True

    def add_lora(self, r, alpha, dropout, generator=None, a=None, b=None, trainable=True):
        dev = self.weight.device
        if a is None:
            a = torch.empty(r, self.n_in, dtype=torch.float32)
            # As PEFT (and nn.Linear): Kaiming-uniform with a=sqrt(5), i.e. U(-1/sqrt(n_in), 1/sqrt(n_in)).
            bound = math.sqrt(6.0 / ((1 + 5) * self.n_in))
            a.uniform_(-bound, bound, generator=generator)
        if b is None:
            b = torch.zeros(self.n_out, r, dtype=torch.float32)
        if a.shape != (r, self.n_in) or b.shape != (self.n_out, r):
            raise GgufError(
                "LoRA shapes %s/%s do not fit a [%d, %d] weight"
                % (tuple(a.shape), tuple(b.shape), self.n_out, self.n_in)
            )
        self.lora_A = nn.Parameter(a.to(dev, torch.float32).contiguous(), requires_grad=trainable)
        self.lora_B = nn.Parameter(b.to(dev, torch.float32).contiguous(), requires_grad=trainable)
        # llama.cpp: scale = alpha / rank, or 1 when alpha is 0.
        self.scaling = float(alpha) / r if alpha else 1.0
        self.dropout = nn.Dropout(dropout) if dropout > 0 else None

    @property
    def rank(self):
        return 0 if self.lora_A is None else self.lora_A.shape[0]

    def lora_input(self, x):
        """x with this module's LoRA dropout applied (None when LoRA is off here)."""
        if self.lora_A is None or not self.lora_enabled:
            return None
        return self.dropout(x) if self.dropout is not None else x

    def forward(self, x, lora_x=None):
        """lora_x: the LoRA branch's input, already dropped out (projections that read the same x
        share one dropout mask: one random draw instead of three, the dearest op on the CPU)."""
        # Under autocast F.linear casts by itself; otherwise meet the base weights' dtype.
        xw = x if autocasting() else x.to(self.weight.dtype)
        y = F.linear(xw, self.weight, self.bias)
        if self.lora_A is not None and self.lora_enabled:
            h = self.lora_input(x) if lora_x is None else lora_x
            y = y + F.linear(F.linear(h, self.lora_A), self.lora_B) * self.scaling
        return y


def rms_norm(x, weight, eps):
    xf = x.float()
    xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
    return xf * weight.float()


def apply_rope(x, cos, sin, n_rot):
    """llama.cpp NORM RoPE: rotates adjacent pairs (2i, 2i+1) of the first n_rot dims.
    x: [B, T, H, D]; cos/sin: [T, n_rot/2]."""
    dtype = x.dtype
    xf = x.float()
    rot = xf[..., :n_rot].reshape(*xf.shape[:-1], n_rot // 2, 2)
    x0, x1 = rot[..., 0], rot[..., 1]
    c = cos[None, :, None, :]
    s = sin[None, :, None, :]
    out = torch.stack([x0 * c - x1 * s, x0 * s + x1 * c], dim=-1).reshape(*xf.shape[:-1], n_rot)
    if n_rot < xf.shape[-1]:
        out = torch.cat([out, xf[..., n_rot:]], dim=-1)
    return out.to(dtype)


def _shared_lora_input(x, *mods):
    """One dropped-out copy of x for every module here with LoRA on (they share the dropout rate)."""
    for mod in mods:
        h = mod.lora_input(x)
        if h is not None:
            return h
    return None


class LlamaLayer(nn.Module):
    def __init__(self, cfg, tensors):
        super().__init__()
        self.cfg = cfg
        self.register_buffer("attn_norm", tensors["attn_norm"], persistent=False)
        self.register_buffer("ffn_norm", tensors["ffn_norm"], persistent=False)
        self.proj = nn.ModuleDict(
            {name: LoraLinear(tensors[name], tensors.get(name + ".bias")) for name in ALL_TARGETS}
        )

    def forward(self, x, cos, sin):
        cfg = self.cfg
        B, T, _ = x.shape
        p = self.proj
        h = rms_norm(x, self.attn_norm, cfg.eps)
        hd = _shared_lora_input(h, p["attn_q"], p["attn_k"], p["attn_v"])
        q = p["attn_q"](h, hd).view(B, T, cfg.n_head, cfg.head_dim)
        k = p["attn_k"](h, hd).view(B, T, cfg.n_head_kv, cfg.head_dim)
        v = p["attn_v"](h, hd).view(B, T, cfg.n_head_kv, cfg.head_dim_v)
        q = apply_rope(q, cos, sin, cfg.n_rot).transpose(1, 2)
        k = apply_rope(k, cos, sin, cfg.n_rot).transpose(1, 2)
        v = v.transpose(1, 2)
        rep = cfg.n_head // cfg.n_head_kv
        if rep > 1:
            # llama.cpp (ggml_mul_mat broadcasting): query head h reads key/value head h // rep.
            k = k.repeat_interleave(rep, dim=1)
            v = v.repeat_interleave(rep, dim=1)
        scale = 1.0 / math.sqrt(cfg.head_dim)
        if _HAS_SDPA and x.is_cuda:
            q, k, v = (t.to(v.dtype) for t in (q, k, v))
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            # Right padding: causal masking alone keeps every real token from seeing padding.
            # (Under CPU bf16 autocast the two products run in bf16, as fused attention does on CUDA;
            # the softmax stays float32.)
            scores = torch.matmul(q.float(), k.float().transpose(-1, -2)).float() * scale
            causal = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
            scores = scores.masked_fill(causal, float("-inf"))
            a = torch.matmul(torch.softmax(scores, dim=-1), v.float()).to(v.dtype)
        a = a.transpose(1, 2).reshape(B, T, cfg.n_head * cfg.head_dim_v)
        x = x + p["attn_output"](a).float()
        h = rms_norm(x, self.ffn_norm, cfg.eps)
        hd = _shared_lora_input(h, p["ffn_gate"], p["ffn_up"])
        g = F.silu(p["ffn_gate"](h, hd)) * p["ffn_up"](h, hd)
        return x + p["ffn_down"](g).float()


class LlamaModel(nn.Module):
    """Frozen llama from a GGUF with optional LoRA. Base weights in `dtype` (float32 on CPU, bf16 on
    CUDA are the intended choices); norms and the residual stream stay float32."""

    def __init__(self, path, device="cpu", dtype=torch.float32):
        super().__init__()
        gguf = GgufFile(path)
        cfg = LlamaConfig(gguf)
        self.cfg = cfg
        self.path = path
        self.device = torch.device(device)
        self.gradient_checkpointing = False

        def load(name, as_dtype=dtype):
            return gguf.tensor(name, dtype=as_dtype, device=self.device)

        def check(name, shape):
            info = gguf.tensors.get(name)
            if info is None:
                raise GgufError("%s: tensor %s is missing" % (path, name))
            if tuple(info.shape) != tuple(shape):
                raise GgufError("%s: tensor %s has shape %s, expected %s" % (path, name, info.shape, tuple(shape)))

        E, D, Dv = cfg.n_embd, cfg.head_dim, cfg.head_dim_v
        shapes = {
            "attn_q": (cfg.n_head * D, E),
            "attn_k": (cfg.n_head_kv * D, E),
            "attn_v": (cfg.n_head_kv * Dv, E),
            "attn_output": (E, cfg.n_head * Dv),
            "ffn_gate": (cfg.n_ff, E),
            "ffn_up": (cfg.n_ff, E),
            "ffn_down": (E, cfg.n_ff),
        }
        check("token_embd.weight", (cfg.n_vocab, E))
        self.register_buffer("tok_embd", load("token_embd.weight"), persistent=False)
        layers = []
        for i in range(cfg.n_layer):
            t = {}
            for name, shape in shapes.items():
                full = "blk.%d.%s.weight" % (i, name)
                check(full, shape)
                t[name] = load(full)
                bias = "blk.%d.%s.bias" % (i, name)
                if bias in gguf.tensors:
                    t[name + ".bias"] = load(bias, torch.float32 if dtype == torch.float32 else dtype)
            for name in ("attn_norm", "ffn_norm"):
                full = "blk.%d.%s.weight" % (i, name)
                check(full, (E,))
                t[name] = load(full, torch.float32)
            layers.append(LlamaLayer(cfg, t))
        self.layers = nn.ModuleList(layers)
        check("output_norm.weight", (E,))
        self.register_buffer("output_norm", load("output_norm.weight", torch.float32), persistent=False)
        if cfg.tied_output:
            self.output = self.tok_embd
        else:
            check("output.weight", (cfg.n_vocab, E))
            self.register_buffer("output", load("output.weight"), persistent=False)
        # RoPE frequencies: base^(-2i/n_rot) * freq_scale / freq_factors[i] (llama 3.1 rope_freqs).
        i = torch.arange(0, cfg.n_rot // 2, dtype=torch.float64)
        inv = cfg.rope_base ** (-2.0 * i / cfg.n_rot) * cfg.rope_freq_scale
        self.rope_freq_factors = None  # float32 rope_freqs (the llama.cpp emulation builds its own table)
        if "rope_freqs.weight" in gguf.tensors:
            ff = gguf.tensor("rope_freqs.weight").double().reshape(-1)
            if ff.numel() != cfg.n_rot // 2:
                raise GgufError(
                    "%s: rope_freqs.weight has %d values, expected %d" % (path, ff.numel(), cfg.n_rot // 2)
                )
            inv = inv / ff
            self.rope_freq_factors = ff.float()
        self.register_buffer("inv_freq", inv.to(self.device), persistent=False)
        self.lora_alpha = None
        self.lora_rank = None

    # --- LoRA ----------------------------------------------------------------------------------

    def lora_modules(self):
        """(gguf weight name, LoraLinear) for every projection."""
        for i, layer in enumerate(self.layers):
            for name, mod in layer.proj.items():
                yield "blk.%d.%s.weight" % (i, name), mod

    def add_lora(self, targets, r, alpha, dropout, seed=0):
        unknown = [t for t in targets if t not in ALL_TARGETS]
        if unknown:
            raise ValueError("unknown LoRA target(s) %s (known: %s)" % (", ".join(unknown), ", ".join(ALL_TARGETS)))
        if r <= 0:
            raise ValueError("LoRA rank must be positive")
        gen = torch.Generator().manual_seed(seed)
        for name, mod in self.lora_modules():
            if name.split(".")[2] in targets:
                mod.add_lora(r, alpha, dropout, generator=gen)
        self.lora_alpha = float(alpha)
        self.lora_rank = r

    def load_adapter(self, path, trainable=False, dropout=0.0):
        """Loads a GGUF LoRA adapter (any float/quant type the reader knows); returns (alpha, rank, count)."""
        ad = GgufFile(path)
        if ad.get("general.type") != "adapter" or ad.get("adapter.type") != "lora":
            raise GgufError("%s is not a GGUF LoRA adapter (general.type=adapter, adapter.type=lora)" % path)
        if ad.get("general.architecture") != self.cfg.arch:
            raise GgufError(
                "%s: adapter architecture %r does not match the model's %r"
                % (path, ad.get("general.architecture"), self.cfg.arch)
            )
        alpha = float(ad.get("adapter.lora.alpha", 0.0) or 0.0)
        mods = dict(self.lora_modules())
        count = 0
        rank = None
        for tname in ad.tensors:
            if not tname.endswith(".lora_a"):
                continue
            weight = tname[: -len(".lora_a")]
            if weight + ".lora_b" not in ad.tensors:
                raise GgufError("%s: %s has no matching .lora_b" % (path, tname))
            mod = mods.get(weight)
            if mod is None:
                raise GgufError("%s: adapter tensor %s does not match a supported model weight" % (path, tname))
            a = ad.tensor(tname)
            b = ad.tensor(weight + ".lora_b")
            r = a.shape[0]
            mod.add_lora(r, alpha, dropout, a=a, b=b, trainable=trainable)
            rank = r
            count += 1
        if count == 0:
            raise GgufError("%s: the adapter holds no LoRA tensors" % path)
        self.lora_alpha = alpha
        self.lora_rank = rank
        return alpha, rank, count

    def set_lora_enabled(self, enabled):
        for _, mod in self.lora_modules():
            mod.lora_enabled = enabled

    def lora_parameters(self):
        return [p for _, m in self.lora_modules() if m.lora_A is not None for p in (m.lora_A, m.lora_B)]

    def lora_pairs(self):
        return [(name, m.lora_A, m.lora_B) for name, m in self.lora_modules() if m.lora_A is not None]

    # --- forward -------------------------------------------------------------------------------

    def hidden(self, input_ids):
        """Final-normed hidden states [B, T, E] (float32) for token ids [B, T]."""
        cfg = self.cfg
        T = input_ids.shape[1]
        pos = torch.arange(T, device=self.device, dtype=torch.float64)
        theta = (pos[:, None] * self.inv_freq[None, :]).float()
        cos, sin = torch.cos(theta), torch.sin(theta)
        x = F.embedding(input_ids, self.tok_embd).float()
        ckpt = self.gradient_checkpointing and self.training and torch.is_grad_enabled()
        for layer in self.layers:
            if ckpt:
                x = torch.utils.checkpoint.checkpoint(layer, x, cos, sin, use_reentrant=False)
            else:
                x = layer(x, cos, sin)
        return rms_norm(x, self.output_norm, cfg.eps)

    def logits(self, h):
        w = self.output
        return F.linear(h if autocasting() else h.to(w.dtype), w).float()

    def target_logprobs(self, input_ids, loss_mask):
        """log p(input_ids[b, t] | input_ids[b, <t]) for every (b, t>=1) with loss_mask[b, t] = 1,
        summed per example -> ([B] sums, [B] counts). Logits are only computed where needed."""
        h = self.hidden(input_ids)
        sel = loss_mask[:, 1:].bool()
        hs = h[:, :-1][sel]
        targets = input_ids[:, 1:][sel]
        rows = sel.nonzero()[:, 0]
        lp = self._chunked_logprobs(hs, targets)
        B = input_ids.shape[0]
        sums = torch.zeros(B, device=h.device, dtype=torch.float32).index_add(0, rows, lp)
        counts = torch.zeros(B, device=h.device, dtype=torch.float32).index_add(
            0, rows, torch.ones_like(lp)
        )
        return sums, counts

    def _chunked_logprobs(self, hs, targets, chunk=2048):
        out = []
        ckpt = self.gradient_checkpointing and self.training and torch.is_grad_enabled()
        for i in range(0, hs.shape[0], chunk):
            h = hs[i : i + chunk]
            t = targets[i : i + chunk]
            if ckpt:
                out.append(torch.utils.checkpoint.checkpoint(self._logprob_rows, h, t, use_reentrant=False))
            else:
                out.append(self._logprob_rows(h, t))
        if not out:
            return hs.new_zeros(0, dtype=torch.float32)
        return torch.cat(out)

    def _logprob_rows(self, h, t):
        logits = self.logits(h)
        return logits.gather(1, t[:, None]).squeeze(1) - torch.logsumexp(logits, dim=-1)

    @torch.no_grad()
    def greedy(self, prompt_ids, n):
        """Greedy continuation of `prompt_ids` (list) for n tokens: (ids, top1-top2 logit margins)."""
        ids = list(prompt_ids)
        out, margins = [], []
        for _ in range(n):
            x = torch.tensor([ids], dtype=torch.long, device=self.device)
            h = self.hidden(x)[:, -1]
            logits = self.logits(h)[0]
            top = torch.topk(logits, 2)
            tok = int(top.indices[0])
            out.append(tok)
            margins.append(float(top.values[0] - top.values[1]))
            ids.append(tok)
        return out, margins

    @torch.no_grad()
    def forced(self, prompt_ids, continuation):
        """Teacher-forced along `continuation`: per position, (max logit - logit of the given token,
        top1 - top2 margin). Says whether another engine's greedy tokens are this model's argmax
        (gap 0) or lost to a near-tie (gap within numerical noise)."""
        ids = list(prompt_ids) + list(continuation)
        x = torch.tensor([ids[:-1]], dtype=torch.long, device=self.device)
        h = self.hidden(x)[0, len(prompt_ids) - 1 :]
        logits = self.logits(h)
        top = torch.topk(logits, 2, dim=-1).values
        given = logits.gather(1, torch.tensor(continuation, device=self.device)[:, None]).squeeze(1)
        return (top[:, 0] - given).tolist(), (top[:, 0] - top[:, 1]).tolist()
