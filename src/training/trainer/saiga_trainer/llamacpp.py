"""llama.cpp emulation: inference that computes what llama.cpp's CPU backend (ggml-cpu, as built
into node-llama-cpp 3.21.1) computes, bit for bit, so that greedy continuations match token for
token. Inference only; training never uses it.

The trainer's float32 forward pass (llama_model.py) computes the real-number function of the GGUF
weights. llama.cpp rounds along the way: it quantizes activations before every product with a
quantized weight, keeps the KV cache in F16, and accumulates attention in F16. Those roundings move
logits by up to a few hundredths, and F16 rounding makes the attention chaotic (a one-ulp change
in a query flips roundings downstream), so agreeing "up to float32 noise" is not enough: every
float32 operation is replayed in ggml's order, on float32 tensors (float64 where an exact product
or sum is needed before one rounding):

- ggml_mul_mat (ggml_matmul.py): activation quantization to the weight's vec_dot_type and each
  x86 kernel's accumulation order (vec_dot, tinyBLAS, the CPU_REPACK gemv/gemm for Q4_0/Q4_K).
- LoRA (build_lora_mm): F32 products of lora_a and lora_b with the unquantized activation, times
  the float32 scale alpha/rank, added after the base product (and before a bias).
- The KV cache is F16: K (after RoPE) and V are rounded to F16 when stored.
- Attention is flash attention (node-llama-cpp's default "auto" turns it on for the CPU). With
  fewer than 64 query rows (every decoded token, short prompts) ggml runs its one-row kernel: Q
  rounded to F16, F16 dot products, and the softmax-weighted sum of V accumulated online in an F16
  accumulator (every step rounded to F16), with glibc's expf; that loop over the cached positions
  is replayed step by step (vectorized over rows, heads and dimensions). With 64 or more rows it
  runs its tiled kernel (float32 Q, tiles of 64 positions, ggml_v_expf); replayed as well.
- RMSNorm (float32 squares summed in double, 1.0f/sqrtf(mean + eps)), RoPE (theta by repeated
  float32 multiplication by powf(base, -2/n_dims); the C library's cosf/sinf; the fused
  multiply-adds the compiler emits), SwiGLU (ggml_v_silu with ggml_v_expf).

Two x86-64 builds of ggml-cpu differ in ways that matter here; detect_simd() picks the one the
backend loader picks: "avx512" (skylakex, icelake, zen4, ...) or "avx2" (haswell, alderlake).
Checked bit for bit against node-llama-cpp's own libggml-cpu-{zen4,skylakex,icelake,haswell}.so.
Assumed as in the parity test: one thread (n_threads 1), one sequence, the default F16 KV cache
and flash attention; each llama_decode call's tokens in one ubatch (`ubatch`, default 512 as
llama.cpp; node-llama-cpp uses its batch size). Other CPUs (ARM, or the AVX-512 FP16 paths) are not
emulated bit for bit, and BF16 weights are multiplied exactly rather than with ggml's BF16 dots.
"""

import ctypes
import ctypes.util
import math
import os
import platform
import struct

import torch

from . import DEFAULT_TARGETS as ALL_TARGETS
from .ggml_matmul import (
    AMX_EMULATED,
    QWeight,
    amx_takes,
    div,
    f32_mul_mat,
    fma,
    hsum8,
    hsum16,
    mul_mat,
    reduce8,
    repacked,
)
from .gguf_file import GGML_TYPES, GgufFile, dequantize, ggml_type_name

# ggml-cpu/common.h GGML_FA_TILE_Q / _KV: flash attention switches to its tiled kernel at this many
# query rows, and walks the cache in tiles of this many positions.
FA_TILE_Q = 64
FA_TILE_KV = 64

F64 = torch.float64


def round_f16(x):
    """float32 -> nearest F16 (ties to even; GGML_CPU_FP32_TO_FP16 / F16C), back as float32."""
    return x.to(torch.float16).float()


def rms_norm(x, weight, eps):
    """ggml_rms_norm then ggml_mul by the norm weight: sum of float32 squares in double,
    mean as float, scale = 1.0f/sqrtf(mean + eps), y = (x*scale)*w in float32."""
    n = x.shape[-1]
    mean = ((x * x).to(F64).sum(-1, keepdim=True) / n).float()
    scale = div(1.0, torch.sqrt(mean + torch.tensor(eps, dtype=torch.float32)))
    return (x * scale) * weight


def _c32(v):
    return torch.tensor(float.fromhex(v) if isinstance(v, str) else v, dtype=torch.float32)


def v_expf(x, simd):
    """ggml_v_expf (ggml-cpu/vec.h) on float32, the AVX-512 or the AVX2 variant, one float32 rounding
    per instruction as the vector code does, including its paths for |x| beyond about 87."""
    c = lambda v: _c32(v).expand_as(x)  # noqa: E731
    r = c("0x1.8p23")
    z = fma(x, c("0x1.715476p+0"), r)
    n = z - r
    b = fma(-n, c("0x1.7f7d1cp-20"), fma(-n, c("0x1.62e4p-1"), x))
    u = b * b
    inner = fma(fma(c("0x1.0e4020p-7"), b, c("0x1.573e2ep-5")), u, fma(c("0x1.555e66p-3"), b, c("0x1.fffdb6p-2")))
    n64 = n.to(F64)
    big = n.abs() > 192
    if simd == "avx512":
        j = fma(inner, u, fma(c("0x1.ffffecp-1"), b, c(1.0)))
        res = (j.to(F64) * torch.pow(2.0, n64)).float()  # _mm512_scalef_ps: exact, then rounded
    else:
        j = fma(inner, u, c("0x1.ffffecp-1") * b)
        k = torch.pow(2.0, n64.clamp(-126, 127))
        res = (j.to(F64) * k + k).float()  # fma(j, k, k) with k = 2^n
        far = n.abs() > 126
        if bool(far.any()):
            # 2^n split as s1 * s2, s1 = 2^-125 or 2^127: fma(s2, j, s2) * s1
            e1 = torch.where(n <= 0, torch.full_like(n64, -125.0), torch.full_like(n64, 127.0))
            s1 = torch.pow(2.0, e1)
            s2 = torch.pow(2.0, n64 - e1)
            alt = ((j.to(F64) * s2 + s2).float().to(F64) * s1).float()
            res = torch.where(far, alt, res)
    if bool(big.any()):
        res = torch.where(big, torch.where(n <= 0, torch.zeros_like(res), torch.full_like(res, math.inf)), res)
    return res


def swiglu(gate, up, simd):
    """ggml_vec_swiglu_f32: silu(gate) * up, float32; ggml_v_silu = x / (1 + ggml_v_expf(-x)) over
    vectors of 16 (AVX-512) or 8 (AVX2) floats, the scalar x/(1.0f + expf(-x)) on the rest."""
    n = gate.shape[-1]
    lanes = 16 if simd == "avx512" else 8
    nv = n - n % lanes
    out = torch.empty_like(gate)
    g = gate[..., :nv]
    out[..., :nv] = (g / (1.0 + v_expf(-g, simd))) * up[..., :nv]
    if nv < n:
        g = gate[..., nv:]
        out[..., nv:] = (g / (1.0 + expf(-g))) * up[..., nv:]
    return out


# glibc's expf (sysdeps/ieee754/flt-32/e_expf.c with __exp2f_data): x*N/ln2 = k + r, 2^(k/N) from a
# table of N = 32 doubles, a cubic in r, all in double precision, then rounded to float. Its float
# result is not always the correctly rounded one (within 0.502 ulp), and ggml's flash attention
# feeds each expf result into F16 accumulators, so this computes exactly what glibc computes.
_EXP2F_TAB = (
    0x3FF0000000000000, 0x3FEFD9B0D3158574, 0x3FEFB5586CF9890F, 0x3FEF9301D0125B51,
    0x3FEF72B83C7D517B, 0x3FEF54873168B9AA, 0x3FEF387A6E756238, 0x3FEF1E9DF51FDEE1,
    0x3FEF06FE0A31B715, 0x3FEEF1A7373AA9CB, 0x3FEEDEA64C123422, 0x3FEECE086061892D,
    0x3FEEBFDAD5362A27, 0x3FEEB42B569D4F82, 0x3FEEAB07DD485429, 0x3FEEA47EB03A5585,
    0x3FEEA09E667F3BCD, 0x3FEE9F75E8EC5F74, 0x3FEEA11473EB0187, 0x3FEEA589994CCE13,
    0x3FEEACE5422AA0DB, 0x3FEEB737B0CDC5E5, 0x3FEEC49182A3F090, 0x3FEED503B23E255D,
    0x3FEEE89F995AD3AD, 0x3FEEFF76F2FB5E47, 0x3FEF199BDD85529C, 0x3FEF3720DCEF9069,
    0x3FEF5818DCFBA487, 0x3FEF7C97337B9B5F, 0x3FEFA4AFA2A490DA, 0x3FEFD0765B6E4540,
)
_EXP2F_INVLN2N = float.fromhex("0x1.71547652b82fep+5")
_EXP2F_SHIFT = float.fromhex("0x1.8p52")
_EXP2F_C = tuple(float.fromhex(v) for v in ("0x1.c6af84b912394p-20", "0x1.ebfce50fac4f3p-13", "0x1.62e42ff0c52d6p-6"))


def expf(x):
    """glibc expf on a float32 tensor, bit for bit (NaN aside)."""
    tab = torch.tensor(_EXP2F_TAB, dtype=torch.int64)
    xd = x.to(F64)
    z = xd * _EXP2F_INVLN2N
    kd = z + _EXP2F_SHIFT
    ki = kd.view(torch.int64)
    kd = kd - _EXP2F_SHIFT
    r = z - kd
    s = (tab[ki & 31] + ((ki & 0x1FFFF) << 47)).view(F64)  # 2^(k/N)
    c0, c1, c2 = _EXP2F_C
    y = (r * c0 + c1) * (r * r) + (r * c2 + 1.0)
    out = (y * s).float()
    out = torch.where(x > float.fromhex("0x1.62e42ep6"), torch.full_like(out, math.inf), out)
    return torch.where(x < float.fromhex("-0x1.9fe368p6"), torch.zeros_like(out), out)


def f16_dot(p, simd):
    """ggml_vec_dot_f16 over the last dim, given the float32 products p of F16 pairs (exact in
    float32): vectors of GGML_F16_EPR lanes, GGML_F16_ARR accumulators per step (fused adds),
    GGML_F32Cx*_REDUCE, then the leftover products added in double; the float32 result."""
    D = p.shape[-1]
    epr, arr = (16, 4) if simd == "avx512" else (8, 4)
    step = epr * arr
    nv = D - D % step
    total = torch.zeros(p.shape[:-1], dtype=F64)
    if nv:
        v = p[..., :nv].reshape(*p.shape[:-1], nv // step, arr, epr)
        acc = v[..., 0, :, :]
        for i in range(1, nv // step):
            acc = acc + v[..., i, :, :]  # fma with an exact product: one rounding, as an add
        while acc.shape[-2] > 1:  # x[i] += x[offset + i] for offset = ARR/2, ARR/4, ...
            half = acc.shape[-2] // 2
            acc = acc[..., :half, :] + acc[..., half:, :]
        x = acc[..., 0, :]
        res = hsum16(x) if simd == "avx512" else reduce8(x)
        total = total + res.to(F64)
    if nv < D:
        total = total + p[..., nv:].to(F64).sum(-1)
    return total.float()


def _libm():
    """The C library's float functions (llama.cpp's RoPE calls powf, cosf and sinf, whose results
    are not always the correctly rounded ones), or None where ctypes cannot load them."""
    global _LIBM
    if _LIBM is None:
        _LIBM = False
        try:
            name = ctypes.util.find_library("m") or "libm.so.6"
            lib = ctypes.CDLL(name)
            for fn, n_args in (("powf", 2), ("cosf", 1), ("sinf", 1)):
                getattr(lib, fn).restype = ctypes.c_float
                getattr(lib, fn).argtypes = [ctypes.c_float] * n_args
            _LIBM = lib
        except (OSError, AttributeError):
            pass
    return _LIBM or None


_LIBM = None


class RopeCache:
    """ggml_rope_cache_init for RoPE NORM without YaRN (ext_factor 0, attn_factor 1): per position
    p, theta_0 = p and theta_{i+1} = theta_i * powf(base, -2.0f/n_rot) in float32; the pair i uses
    cosf/sinf(freq_scale * theta_i / ff_i). The table grows by position and is computed once per
    position with the C library's cosf/sinf (n_rot/2 scalar calls per position, a few microseconds
    each: these are what llama.cpp calls, and the only way to get their exact float results); where
    the C library cannot be loaded, float64 torch values rounded to float32 stand in."""

    def __init__(self, n_rot, base, freq_scale, freq_factors=None):
        self.n_rot = n_rot
        self.base = base
        self.freq_scale = freq_scale
        self.ff = None if freq_factors is None else [float(v) for v in freq_factors.float()]
        self.cos = torch.zeros(0, n_rot // 2)
        self.sin = torch.zeros(0, n_rot // 2)

    def _f32(self, v):
        return struct.unpack("f", struct.pack("f", v))[0]

    def _extend(self, n):
        have = self.cos.shape[0]
        if n <= have:
            return
        lib = _libm()
        half = self.n_rot // 2
        f32 = self._f32
        exponent = f32(-2.0 / self.n_rot)
        if lib is not None:
            theta_scale = lib.powf(f32(self.base), exponent)
        else:
            theta_scale = f32(math.pow(f32(self.base), exponent))
        fs = f32(self.freq_scale)
        # theta[p, i] as float32, built by the same repeated float32 multiplication as ggml
        # (vectorized over positions).
        theta = torch.arange(have, n, dtype=torch.float32)
        ts = torch.tensor(theta_scale, dtype=torch.float32)
        cols = []
        for i in range(half):
            t = theta if self.ff is None else theta / torch.tensor(self.ff[i], dtype=torch.float32)
            cols.append(t * torch.tensor(fs, dtype=torch.float32))
            theta = theta * ts
        angles = torch.stack(cols, dim=1)
        if lib is not None:
            flat = angles.reshape(-1).tolist()
            cos = torch.tensor([lib.cosf(a) for a in flat], dtype=torch.float32).reshape(angles.shape)
            sin = torch.tensor([lib.sinf(a) for a in flat], dtype=torch.float32).reshape(angles.shape)
        else:
            cos = torch.cos(angles.to(F64)).float()
            sin = torch.sin(angles.to(F64)).float()
        self.cos = torch.cat([self.cos, cos])
        self.sin = torch.cat([self.sin, sin])

    def get(self, positions):
        """float32 cos, sin of shape [len(positions), n_rot/2]."""
        self._extend(max(positions) + 1)
        idx = torch.tensor(positions)
        return self.cos[idx], self.sin[idx]


def apply_rope(x, cos, sin, n_rot):
    """rotate_pairs for RoPE NORM: adjacent pairs (2i, 2i+1) of the first n_rot dims, float32.
    x: [T, H, D]; cos/sin: [T, n_rot/2]. As compiled into ggml-cpu, x0*cos - x1*sin is
    fma(x0, cos, -(x1*sin)) and x0*sin + x1*cos is fma(x0, sin, x1*cos)."""
    rot = x[..., :n_rot].reshape(*x.shape[:-1], n_rot // 2, 2)
    x0 = rot[..., 0].to(F64)
    x1 = rot[..., 1].to(F64)
    c = cos[:, None, :].to(F64)
    s = sin[:, None, :].to(F64)
    # fma(x0, c, -(x1*s)) with x1*s rounded to float32 first.
    y0 = (x0 * c - (x1 * s).float().to(F64)).float()
    y1 = (x0 * s + (x1 * c).float().to(F64)).float()
    out = torch.stack([y0, y1], dim=-1).reshape(*x.shape[:-1], n_rot)
    if n_rot < x.shape[-1]:
        out = torch.cat([out, x[..., n_rot:]], dim=-1)
    return out


def attention_rows(q, k16, v16, q_pos, scale, simd):
    """attention_rows_chunk over chunks of query rows (each row's result is independent of the
    others; the chunks bound the [rows, n_kv, heads, dims] temporaries)."""
    T = q.shape[0]
    per_row = max(1, k16.numel())
    step = max(1, (1 << 24) // per_row)
    if T <= step:
        return attention_rows_chunk(q, k16, v16, q_pos, scale, simd)
    return torch.cat(
        [attention_rows_chunk(q[i : i + step], k16, v16, q_pos[i : i + step], scale, simd) for i in range(0, T, step)]
    )


def attention_rows_chunk(q, k16, v16, q_pos, scale, simd):
    """ggml_compute_forward_flash_attn_ext_f16_one_chunk for query rows q [T, H, D] (float32) at
    positions q_pos (list of ints) over the cache k16/v16 [n_kv, H, D] (F16 values as float32,
    already expanded to query heads). Returns float32 [T, H, Dv].

    Per row and head, over the cached positions in order (masked ones skipped):
      s = f16dot(Q16, K16[ic]) * scale
      if s > M: M = s; ms = expf(M_old - M); VKQ16 = fp16(VKQ16 * ms)   (vs = 1)
      else: vs = expf(s - M)
      VKQ16 = fp16(fma(V16[ic], vs, VKQ16)); S = S*ms + vs   (float32, two roundings)
    and finally VKQ16 * (1.0f/S)."""
    n_kv = k16.shape[0]
    T, H, _ = q.shape
    q16 = round_f16(q)
    s = f16_dot(q16[:, None] * k16[None], simd)  # [T, n_kv, H]
    s = s * torch.tensor(scale, dtype=torch.float32)
    pos = torch.tensor(q_pos).reshape(T, 1, 1)
    active = torch.arange(n_kv).reshape(1, n_kv, 1) <= pos  # the causal mask: -inf is skipped
    s = torch.where(active, s, torch.full_like(s, -math.inf))
    # The running maximum M after each position, and with it ms and vs as the loop computes them
    # (both are expf(0) = 1 where they do not apply).
    m_new = torch.cummax(s, dim=1).values
    m_old = torch.cat([torch.full_like(m_new[:, :1], -math.inf), m_new[:, :-1]], dim=1)
    grew = m_new > m_old
    zero = torch.zeros_like(s)
    ms = torch.where(grew, expf(torch.where(grew, m_old - m_new, zero)), torch.ones_like(s))
    vs = torch.where(active, expf(torch.where(active, s - m_new, zero)), zero)
    ms64 = ms.to(F64)
    vs64 = vs.to(F64)
    scaled = grew.any(dim=2).any(dim=0).tolist()
    used = active.reshape(T, n_kv).any(dim=0).tolist()
    v64 = v16.to(F64)
    acc = torch.zeros(T, H, v16.shape[-1], dtype=F64)  # VKQ16: F16 values
    S = torch.zeros(T, H, dtype=F64)  # float32 values
    for ic in range(n_kv):
        if not used[ic]:
            continue
        if scaled[ic]:
            # ggml_vec_scale_f16: fp16(float(y) * ms)
            acc = (acc * ms64[:, ic, :, None]).float().half().to(F64)
        # ggml_vec_mad_f16: fp16(fma(float(v), vs, float(y)))
        acc = torch.addcmul(acc, v64[ic].unsqueeze(0), vs64[:, ic, :, None]).float().half().to(F64)
        S = ((S * ms64[:, ic]).float().to(F64) + vs64[:, ic]).float().to(F64)
    S32 = S.float()
    inv = torch.where(S32 == 0, torch.zeros_like(S32), div(1.0, torch.where(S32 == 0, torch.ones_like(S32), S32)))
    return acc.float() * inv.unsqueeze(-1)


def attention_tiled(q, k16, v16, q_pos, scale, simd):
    """ggml_compute_forward_flash_attn_ext_tiled (64 or more query rows): float32 Q (not rounded),
    the F16 cache read as float32, key/value tiles of 64 positions. Per row and tile:
      s = simd_gemm(Q, K) (a float32 fused multiply-add per dimension, in order) * scale (+ mask)
      M' = max(M, max s); if M' > M: ms = expf(M - M'), VKQ *= ms, S *= ms
      p = ggml_v_expf(s - M'); S += (double) sum of p (ggml_vec_soft_max_f32: a vector reduce per
      16 or 8 values, summed in double); VKQ = simd_gemm(p, V) onto VKQ (fused, position by position)
    and finally VKQ * (1.0f/S). Tiles where a row sees nothing leave it untouched."""
    n_kv = k16.shape[0]
    T, H, D = q.shape
    Dv = v16.shape[-1]
    tile = FA_TILE_KV
    scale32 = torch.tensor(scale, dtype=torch.float32)
    pos = torch.tensor(q_pos).reshape(T, 1, 1)
    M = torch.full((T, H), -math.inf)
    S = torch.zeros(T, H)
    acc = torch.zeros(T, H, Dv)
    lanes = 16 if simd == "avx512" else 8
    q64 = q.to(F64)
    for ic in range(0, n_kv, tile):
        kv = min(tile, n_kv - ic)
        visible = torch.arange(ic, ic + kv).reshape(1, kv, 1) <= pos  # [T, kv, 1]
        if not bool(visible.any()):
            continue
        k64 = k16[ic : ic + kv].to(F64)  # [kv, H, D]
        s = torch.zeros(T, kv, H)
        for dk in range(D):
            s = (q64[:, None, :, dk] * k64[None, :, :, dk] + s.to(F64)).float()
        s = s * scale32
        s = torch.where(visible, s, torch.full_like(s, -math.inf))
        if kv < tile:  # the tile is padded with -inf
            s = torch.cat([s, torch.full((T, tile - kv, H), -math.inf)], dim=1)
        tmax = s.amax(dim=1)  # [T, H]
        live = tmax != -math.inf
        m_new = torch.maximum(M, tmax)
        grew = live & (m_new > M)
        ms = torch.where(grew, expf(torch.where(grew, M - m_new, torch.zeros_like(M))), torch.ones_like(M))
        acc = torch.where(grew.unsqueeze(-1), acc * ms.unsqueeze(-1), acc)
        S = torch.where(grew, S * ms, S)
        M = torch.where(live, m_new, M)
        p = v_expf(s - M.unsqueeze(1), simd)  # [T, tile, H]
        p = torch.where(live.unsqueeze(1), p, torch.zeros_like(p))
        chunks = p.permute(0, 2, 1).reshape(T, H, tile // lanes, lanes)
        part = hsum16(chunks) if lanes == 16 else hsum8(chunks)
        total = torch.zeros(T, H, dtype=F64)
        for c in range(tile // lanes):
            total = total + part[..., c].to(F64)
        S = torch.where(live, (S.to(F64) + total).float(), S)
        v64 = v16[ic : ic + kv].to(F64)
        for kk in range(kv):
            acc = (p[:, kk, :, None].to(F64) * v64[None, kk] + acc.to(F64)).float()
    inv = torch.where(S == 0, torch.zeros_like(S), div(1.0, torch.where(S == 0, torch.ones_like(S), S)))
    return acc * inv.unsqueeze(-1)


def _cpu_flags():
    try:
        with open("/proc/cpuinfo", "r", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def detect_simd():
    """Which x86-64 ggml-cpu build the backend loader picks on this CPU, as far as the emulation
    cares: "avx512" (skylakex, icelake, zen4, ...: AVX512 F/CD/VL/DQ/BW) or "avx2" (haswell,
    alderlake). SAIGA_LLAMA_CPP_SIMD=avx512|avx2 overrides it."""
    forced = os.environ.get("SAIGA_LLAMA_CPP_SIMD")
    if forced in ("avx512", "avx2"):
        return forced
    if {"avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw"} <= _cpu_flags():
        return "avx512"
    return "avx2"


# CPU features of node-llama-cpp's "sapphirerapids" ggml-cpu build, the only one with the AMX buffer
# (its loader picks it where all are present and the kernel grants AMX tile data).
_AMX_BUILD_FLAGS = {"avx512vbmi", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8"}


def detect_amx(simd):
    """Whether llama.cpp multiplies through its AMX buffer here (Q4_0, Q4_1, Q8_0 and K-quant
    weights of suitable shapes). SAIGA_LLAMA_CPP_AMX=0|1 overrides."""
    forced = os.environ.get("SAIGA_LLAMA_CPP_AMX")
    if forced in ("0", "1"):
        return forced == "1"
    return simd == "avx512" and _AMX_BUILD_FLAGS <= _cpu_flags()


def describe(simd, amx=False, amx_unemulated=()):
    """The emulation as reported in the trainer's output, with what it cannot match bit for bit
    on this machine (`amx_unemulated`: names of weight types the AMX buffer takes whose kernels
    are not replayed)."""
    notes = []
    if platform.machine().lower() not in ("x86_64", "amd64"):
        notes.append("not x86-64: approximate")
    elif amx:
        notes.append("amx" + ("; AMX %s kernels not emulated" % "/".join(amx_unemulated) if amx_unemulated else ""))
    return "llama.cpp (%s%s)" % (simd, "".join("; " + n for n in notes))


class Emulator:
    """llama.cpp's computation for a LlamaModel (its configuration, norms and LoRA; the weights are
    read again from the GGUF as ggml's kernels see them). Holds one sequence's F16 KV cache."""

    def __init__(self, model, simd=None, ubatch=512):
        self.model = model
        self.simd = simd or detect_simd()
        self.amx = detect_amx(self.simd)
        self.amx_unemulated = set()
        self.ubatch = ubatch
        self.cfg = model.cfg
        cfg = self.cfg
        self.gguf = GgufFile(model.path)
        self.weights = {}
        for il in range(cfg.n_layer):
            for name in ALL_TARGETS:
                self._weight("blk.%d.%s.weight" % (il, name))
        # With a tied output llama.cpp multiplies by token_embd, which stays in the plain CPU buffer.
        self.output = self._weight("token_embd.weight" if cfg.tied_output else "output.weight",
                                   repack=not cfg.tied_output)
        # kq_scale = 1.0f/sqrtf(float(n_embd_head)), a float32
        self.scale = float(div(1.0, torch.sqrt(torch.tensor(float(cfg.head_dim), dtype=torch.float32))))
        self.rep = cfg.n_head // cfg.n_head_kv
        self.rope = RopeCache(cfg.n_rot, cfg.rope_base, cfg.rope_freq_scale, model.rope_freq_factors)
        self.reset()

    def describe(self):
        """What runs here, as reported in the trainer's output (see describe())."""
        return describe(self.simd, self.amx, sorted(self.amx_unemulated))

    def _weight(self, name, repack=True):
        info = self.gguf.tensors[name]
        n_in, n_out = info.dims[0], info.dims[1]
        rp = repack and repacked(info.type, n_out, self.simd)
        amx = repack and self.amx and amx_takes(info.type, n_out, n_in)
        if amx and info.type not in AMX_EMULATED:
            # Not replayed: the CPU_REPACK / vec_dot kernel stands in (close, not bit for bit).
            self.amx_unemulated.add(ggml_type_name(info.type))
            amx = False
        w = QWeight(self.gguf.raw(name), info.type, n_out, n_in, rp, amx=amx)
        self.weights[name] = w
        return w

    def embed(self, tokens):
        """ggml_get_rows of token_embd: the rows dequantized (exactly, then rounded to float32)."""
        info = self.gguf.tensors["token_embd.weight"]
        n_embd = info.dims[0]
        _, block, size = GGML_TYPES[info.type]
        row_bytes = n_embd // block * size
        raw = self.gguf.raw("token_embd.weight")
        rows = [dequantize(raw[t * row_bytes : (t + 1) * row_bytes], info.type, n_embd, dtype=F64) for t in tokens]
        return torch.stack(rows).float()

    def reset(self):
        self.k = [None] * self.cfg.n_layer  # per layer: [n_past, n_head_kv, head_dim] F16 values (float32)
        self.v = [None] * self.cfg.n_layer
        self.n_past = 0

    def truncate(self, n):
        """Forget cached positions from n on (as llama_memory_seq_rm)."""
        self.k = [None if t is None else t[:n] for t in self.k]
        self.v = [None if t is None else t[:n] for t in self.v]
        self.n_past = min(self.n_past, n)

    def _proj(self, mod, name, x):
        """build_lora_mm: W x, then for the adapter scale * B(A x) (F32 products) added; then bias."""
        y = mul_mat(x, self.weights[name], self.simd)
        if mod.lora_A is not None and mod.lora_enabled:
            ab = f32_mul_mat(f32_mul_mat(x, mod.lora_A.detach().float(), self.simd), mod.lora_B.detach().float(), self.simd)
            y = y + ab * torch.tensor(mod.scaling, dtype=torch.float32)
        if mod.bias is not None:
            y = y + mod.bias.float()
        return y

    @torch.no_grad()
    def decode(self, tokens, all_logits=False):
        """One llama_decode of `tokens` after the cached ones, split into ubatches as llama.cpp
        does; returns the float32 logits of the last token (or of every token, [T, n_vocab])."""
        out = []
        for i in range(0, len(tokens), self.ubatch):
            out.append(self._ubatch(tokens[i : i + self.ubatch], all_logits))
        return torch.cat(out) if all_logits else out[-1][0]

    def _ubatch(self, tokens, all_logits):
        cfg = self.cfg
        m = self.model
        T = len(tokens)
        positions = list(range(self.n_past, self.n_past + T))
        cos, sin = self.rope.get(positions)
        x = self.embed(tokens)
        for il, layer in enumerate(m.layers):
            p = layer.proj
            pre = "blk.%d." % il
            h = rms_norm(x, layer.attn_norm.float(), cfg.eps)
            q = self._proj(p["attn_q"], pre + "attn_q.weight", h).view(T, cfg.n_head, cfg.head_dim)
            k = self._proj(p["attn_k"], pre + "attn_k.weight", h).view(T, cfg.n_head_kv, cfg.head_dim)
            v = self._proj(p["attn_v"], pre + "attn_v.weight", h).view(T, cfg.n_head_kv, cfg.head_dim_v)
            q = apply_rope(q, cos, sin, cfg.n_rot)
            k = apply_rope(k, cos, sin, cfg.n_rot)
            k16 = round_f16(k)
            v16 = round_f16(v)
            self.k[il] = k16 if self.k[il] is None else torch.cat([self.k[il], k16])
            self.v[il] = v16 if self.v[il] is None else torch.cat([self.v[il], v16])
            kc, vc = self.k[il], self.v[il]
            if self.rep > 1:
                kc = kc.repeat_interleave(self.rep, dim=1)
                vc = vc.repeat_interleave(self.rep, dim=1)
            if T >= FA_TILE_Q and cfg.head_dim_v % (16 if self.simd == "avx512" else 8) == 0:
                a = attention_tiled(q, kc, vc, positions, self.scale, self.simd)
            else:
                a = attention_rows(q, kc, vc, positions, self.scale, self.simd)
            a = a.reshape(T, cfg.n_head * cfg.head_dim_v)
            o = self._proj(p["attn_output"], pre + "attn_output.weight", a)
            if il == cfg.n_layer - 1 and not all_logits:
                # llama.cpp keeps only the rows it outputs (the last one) from here on.
                o, x = o[-1:], x[-1:]
            x = x + o
            h = rms_norm(x, layer.ffn_norm.float(), cfg.eps)
            g = self._proj(p["ffn_gate"], pre + "ffn_gate.weight", h)
            u = self._proj(p["ffn_up"], pre + "ffn_up.weight", h)
            x = x + self._proj(p["ffn_down"], pre + "ffn_down.weight", swiglu(g, u, self.simd))
        self.n_past += T
        h = rms_norm(x, m.output_norm.float(), cfg.eps)
        return mul_mat(h, self.output, self.simd)

    def greedy(self, prompt_ids, n):
        """Greedy continuation as llama.cpp decodes it: (ids, top1-top2 margins, per-step logits)."""
        self.reset()
        logits = self.decode(list(prompt_ids))
        out, margins, steps = [], [], []
        for i in range(n):
            tok = int(torch.argmax(logits))  # the first of equal maxima, as llama.cpp's greedy sampler
            top = torch.topk(logits, 2).values
            out.append(tok)
            margins.append(float(top[0] - top[1]))
            steps.append(logits)
            if i + 1 < n:
                logits = self.decode([tok])
        return out, margins, steps

    def forced(self, prompt_ids, continuation, greedy=None):
        """Teacher-forced along `continuation`, decoding token by token as llama.cpp does: per
        position (max logit - logit of the given token, top1 - top2 margin). `greedy` (a result of
        greedy() for the same prompt, the last call on this emulator) saves recomputing the shared
        prefix."""
        start = 0
        logits_list = []
        if greedy is not None:
            g_tokens, _, g_logits = greedy
            while start < len(continuation) and start < len(g_tokens) and continuation[start] == g_tokens[start]:
                logits_list.append(g_logits[start])
                start += 1
            if start < len(continuation):
                # The cache holds the prompt and greedy tokens; keep what the continuation shares.
                logits_list.append(g_logits[start])
                self.truncate(len(prompt_ids) + start)
                start += 1
        else:
            self.reset()
            logits_list.append(self.decode(list(prompt_ids)))
            start = 1
        for i in range(start, len(continuation)):
            logits_list.append(self.decode([continuation[i - 1]]))
        gaps, margins = [], []
        for tok, logits in zip(continuation, logits_list):
            top = torch.topk(logits, 2).values
            gaps.append(float(top[0] - logits[tok]))
            margins.append(float(top[0] - top[1]))
        return gaps, margins
