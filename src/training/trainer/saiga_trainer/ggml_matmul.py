"""ggml_mul_mat as ggml-cpu computes it on x86-64, bit for bit: activation quantization to the
weight type's vec_dot_type and each kernel's float32 accumulation order (used by llamacpp.py).

Every kernel below first forms exact integer (or exact float) partial sums in float64 and then
replays ggml's float32 operations in ggml's order: one float32 rounding per instruction, fused
multiply-adds rounded once. The sources are ggml-cpu/arch/x86/quants.c (ggml_vec_dot_*),
ggml-cpu/arch/x86/repack.cpp (the CPU_REPACK gemv/gemm kernels llama.cpp uses for Q4_0 and Q4_K
weights on AVX2 machines, and Q2_K on AVX-512 ones), ggml-cpu/amx/mmq.cpp (the AMX buffer's
kernels, which take F16, Q4_0, Q4_1, Q8_0, Q4_K, Q5_K and Q6_K weights on CPUs with AMX-INT8),
ggml-cpu/llamafile/sgemm.cpp (tinyBLAS, used for batches of two or more rows) and ggml-cpu/vec.cpp
(ggml_vec_dot_f32 / _f16). "avx512" and "avx2" are the two builds the CPU backend loader picks
between on x86-64 (they differ in vector width for float dots).

Per weight type, the activation's vec_dot_type and the x86 kernels:
  F16 -> F16 activations; vec_dot_f16 / tinyBLAS, or through AMX (float32 activations, AVX-512).
  Q8_0, Q4_0, Q5_0 -> Q8_0 blocks; vec_dot / tinyBLAS_Q0_AVX (8 lanes of 4 products per block);
    Q4_0 repacked (8x8 gemv/gemm) on AVX2+, Q4_0/Q8_0 through AMX where it is used.
  Q4_1, Q5_1 -> Q8_1 blocks (d and s = d*sum(q)); vec_dot (no tinyBLAS); Q4_1 through AMX.
  Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> Q8_K blocks; vec_dot (8 lanes); Q4_K repacked on AVX2+, Q2_K
    repacked on AVX-512; Q4_K/Q5_K/Q6_K through AMX.
"""

import torch

from .gguf_file import (
    GGML_BF16,
    GGML_F16,
    GGML_F32,
    GGML_Q2_K,
    GGML_Q3_K,
    GGML_Q4_0,
    GGML_Q4_1,
    GGML_Q4_K,
    GGML_Q5_0,
    GGML_Q5_1,
    GGML_Q5_K,
    GGML_Q6_K,
    GGML_Q8_0,
    GgufError,
    ggml_type_name,
    k2_low,
    q3_k_quants,
    q3_k_scales,
    q5_high_bits,
)

F64 = torch.float64
F32 = torch.float32

# Row chunk for the kernels' [rows, n_out, blocks, lanes] temporaries (bounds memory on big models).
_TEMP_ELEMENTS = 1 << 22


def div(a, b):
    """a / b in float32 with one rounding. (A Python number divided by a tensor is computed by
    torch as reciprocal-then-multiply, which rounds twice.)"""
    return torch.div(torch.as_tensor(a, dtype=F32).expand_as(b), b)


def fma(a, b, c):
    """float32 fused multiply-add on float32 tensors: a*b is exact in float64, the sum is rounded
    once more to float32 (a double rounding that differs from a true fma only when the float64
    sum lands exactly on a float32 tie, which these integer-times-scale products do not reach)."""
    return (a.to(F64) * b.to(F64) + c.to(F64)).float()


def hsum8(x):
    """hsum_float_8 / tinyBLAS hsum(__m256): (x0+x4 + x2+x6) + (x1+x5 + x3+x7), float32."""
    t = x[..., 4:8] + x[..., 0:4]
    return (t[..., 0] + t[..., 2]) + (t[..., 1] + t[..., 3])


def hsum4(x):
    """_mm_add_ps(x, movehl(x)), then _mm_add_ss(x, movehdup(x)): (x0+x2) + (x1+x3)."""
    return (x[..., 0] + x[..., 2]) + (x[..., 1] + x[..., 3])


def reduce8(x):
    """GGML_F32x8_REDUCE's last step (AVX2): _mm_add_ps(lo, hi), then two _mm_hadd_ps:
    (t0+t1) + (t2+t3) with t_i = x_i + x_(i+4)."""
    t = x[..., 0:4] + x[..., 4:8]
    return (t[..., 0] + t[..., 1]) + (t[..., 2] + t[..., 3])


def hsum16(x):
    """_mm512_reduce_add_ps: halves of 256, 128, 64, 32 bits (lane i + lane i+8, ...)."""
    while x.shape[-1] > 1:
        h = x.shape[-1] // 2
        x = x[..., :h] + x[..., h:]
    return x[..., 0]


def _f16_to_f64(raw2):
    return raw2.contiguous().view(torch.float16).to(F64)


# --- weights: integer components of the GGUF blocks -------------------------------------------


class QWeight:
    """A weight matrix [n_out, n_in] as ggml's kernels see it: float64 exact values for float
    types; for quantized ones the block scales and the quants (int8, widened per product).
    `repacked`: in the CPU_REPACK buffer; `amx`: in the AMX buffer (which comes first)."""

    def __init__(self, raw, type_id, n_out, n_in, repacked, amx=False):
        self.type = type_id
        self.n_out = n_out
        self.n_in = n_in
        self.repacked = repacked and not amx
        self.amx = amx
        b = raw.reshape(n_out, -1)
        if type_id == GGML_F32:
            self.w = b.contiguous().view(F32).to(F64)
        elif type_id == GGML_F16:
            self.w = b.contiguous().view(torch.float16).to(F64)
        elif type_id == GGML_BF16:
            bits = b.contiguous().view(torch.int16).to(torch.int32) & 0xFFFF
            self.w = (bits << 16).view(F32).to(F64)
        elif type_id == GGML_Q8_0:
            blk = b.reshape(n_out, -1, 34)
            self.d = _f16_to_f64(blk[..., 0:2])[..., 0]  # [n_out, nb]
            self.q = blk[..., 2:34].contiguous().view(torch.int8).clone()  # [n_out, nb, 32]
        elif type_id == GGML_Q4_0:
            blk = b.reshape(n_out, -1, 18)
            self.d = _f16_to_f64(blk[..., 0:2])[..., 0]
            qs = blk[..., 2:18].to(torch.int16)
            self.q = (torch.cat([qs & 0x0F, qs >> 4], dim=-1) - 8).to(torch.int8)
        elif type_id in (GGML_Q4_1, GGML_Q5_0, GGML_Q5_1):
            size = {GGML_Q4_1: 20, GGML_Q5_0: 22, GGML_Q5_1: 24}[type_id]
            blk = b.reshape(n_out, -1, size)
            nb = blk.shape[1]
            self.d = _f16_to_f64(blk[..., 0:2])[..., 0]
            if type_id != GGML_Q5_0:
                self.m = _f16_to_f64(blk[..., 2:4])[..., 0]
            qs = blk[..., size - 16 :].to(torch.int16)
            q = torch.cat([qs & 0x0F, qs >> 4], dim=-1)
            if type_id != GGML_Q4_1:
                at = 2 if type_id == GGML_Q5_0 else 4
                high = q5_high_bits(blk[..., at : at + 4].reshape(-1, 4)).reshape(n_out, nb, 32)
                q = q | (high << 4)
            self.q = (q - 16 if type_id == GGML_Q5_0 else q).to(torch.int8)
        elif type_id == GGML_Q2_K:
            blk = b.reshape(n_out, -1, 84)
            nb = blk.shape[1]
            sc = blk[..., 0:16].to(torch.int32)
            self.sc = (sc & 0x0F).to(F64)  # [n_out, nb, 16]: one per 16 values
            self.m = (sc >> 4).to(F64)
            self.q = k2_low(blk[..., 16:80].reshape(-1, 64)).reshape(n_out, nb, 256).to(torch.int8)
            self.d = _f16_to_f64(blk[..., 80:82])[..., 0]
            self.dmin = _f16_to_f64(blk[..., 82:84])[..., 0]
        elif type_id == GGML_Q3_K:
            blk = b.reshape(n_out, -1, 110)
            nb = blk.shape[1]
            flat = blk.reshape(-1, 110)
            self.q = q3_k_quants(flat[:, 0:32], flat[:, 32:96]).reshape(n_out, nb, 256).to(torch.int8)
            self.sc = q3_k_scales(flat[:, 96:108]).reshape(n_out, nb, 16).to(F64)
            self.d = _f16_to_f64(blk[..., 108:110])[..., 0]
        elif type_id in (GGML_Q4_K, GGML_Q5_K):
            size = 144 if type_id == GGML_Q4_K else 176
            blk = b.reshape(n_out, -1, size)
            nb = blk.shape[1]
            self.d = _f16_to_f64(blk[..., 0:2])[..., 0]
            self.dmin = _f16_to_f64(blk[..., 2:4])[..., 0]
            s = blk[..., 4:16].to(torch.int32)
            self.sc = torch.cat([s[..., 0:4] & 63, (s[..., 8:12] & 0x0F) | ((s[..., 0:4] >> 6) << 4)], -1).to(F64)
            self.m = torch.cat([s[..., 4:8] & 63, (s[..., 8:12] >> 4) | ((s[..., 4:8] >> 6) << 4)], -1).to(F64)
            qs = blk[..., (16 if type_id == GGML_Q4_K else 48) :].reshape(n_out, nb, 4, 32).to(torch.int32)
            q = torch.stack([qs & 0x0F, qs >> 4], dim=3).reshape(n_out, nb, 8, 32)
            if type_id == GGML_Q5_K:
                qh = blk[..., 16:48].to(torch.int32).unsqueeze(2)  # [n_out, nb, 1, 32]
                shifts = torch.arange(8, dtype=torch.int32).reshape(1, 1, 8, 1)
                q = q + 16 * ((qh >> shifts) & 1)
            self.q = q.reshape(n_out, nb, 256).to(torch.int8)  # unsigned quants, element order
        elif type_id == GGML_Q6_K:
            blk = b.reshape(n_out, -1, 210)
            nb = blk.shape[1]
            ql = blk[..., 0:128].reshape(n_out, nb, 2, 64).to(torch.int32)
            qh = blk[..., 128:192].reshape(n_out, nb, 2, 32).to(torch.int32)
            self.sc = blk[..., 192:208].contiguous().view(torch.int8).to(F64)  # [n_out, nb, 16]
            self.d = _f16_to_f64(blk[..., 208:210])[..., 0]
            low = torch.stack([ql[..., 0:32] & 0x0F, ql[..., 32:64] & 0x0F, ql[..., 0:32] >> 4, ql[..., 32:64] >> 4], 3)
            shifts = torch.tensor([0, 2, 4, 6], dtype=torch.int32).reshape(1, 1, 1, 4, 1)
            high = (qh.unsqueeze(3) >> shifts) & 3
            self.q = (low | (high << 4)).reshape(n_out, nb, 256).to(torch.int8)  # unsigned 0..63
        else:
            raise GgufError("llama.cpp emulation does not know ggml type %s" % ggml_type_name(type_id))


def repacked(type_id, n_out, simd):
    """Whether llama.cpp's CPU_REPACK buffer takes this weight on x86 (ggml_repack_get_optimal_
    repack_type: Q4_0 and Q4_K with rows a multiple of 8 on AVX2 and up, Q2_K on AVX-512)."""
    if n_out % 8:
        return False
    if type_id in (GGML_Q4_0, GGML_Q4_K):
        return simd in ("avx2", "avx512")
    return type_id == GGML_Q2_K and simd == "avx512"


# The AMX buffer's kernels and the row alignment each needs (ggml-cpu/amx: qtype_has_amx_kernels,
# extra_buffer_type::supports_op; output rows a multiple of 2 * TILE_N = 32).
_AMX_ALIGN = {
    GGML_F16: 16,
    GGML_Q4_0: 32,
    GGML_Q4_1: 32,
    GGML_Q8_0: 32,
    GGML_Q4_K: 256,
    GGML_Q5_K: 256,
    GGML_Q6_K: 256,
}
# The AMX kernels this module replays (all of those above).
AMX_EMULATED = tuple(_AMX_ALIGN)


def amx_takes(type_id, n_out, n_in):
    """Whether llama.cpp's AMX buffer (present on CPUs with AMX-INT8, ahead of CPU_REPACK) takes
    this weight."""
    align = _AMX_ALIGN.get(type_id)
    return align is not None and n_out % 32 == 0 and n_in % align == 0


# --- activations --------------------------------------------------------------------------------


def quantize_q8_0(x):
    """x86 quantize_row_q8_0 (and ggml_quantize_mat_q8_0_4x8) on float32 rows [N, K]: per block of
    32, d = FP16(amax/127), q = round-half-even(x * (127/amax)) in float32. Returns (q [N, nb, 32],
    d [N, nb]) as float64."""
    N, K = x.shape
    b = x.reshape(N, K // 32, 32)
    amax = b.abs().amax(-1, keepdim=True)
    d = (amax / 127.0).to(torch.float16).to(F64)
    safe = torch.where(amax == 0, torch.ones_like(amax), amax)
    iscale = torch.where(amax == 0, torch.zeros_like(amax), div(127.0, safe))
    q = torch.round(b * iscale)
    return q.to(F64), d[..., 0]


def quantize_q8_1(x):
    """x86 quantize_row_q8_1: the quants and d of quantize_row_q8_0, and s = FP16(d * sum(q)) with
    the float32 d = amax/127 (before its FP16 rounding). Returns (q [N, nb, 32], d [N, nb],
    s [N, nb]) as float64."""
    N, K = x.shape
    q, d = quantize_q8_0(x)
    amax = x.reshape(N, K // 32, 32).abs().amax(-1)
    d32 = amax / 127.0
    s = (d32 * q.sum(-1).float()).to(torch.float16).to(F64)
    return q, d, s


def quantize_q8_k(x, four_rows=0):
    """quantize_row_q8_K_ref on float32 rows [N, K]: per block of 256, max = the first value of
    largest magnitude, iscale = -127/max, q = nearest_int(iscale*x) capped at 127, d = 1/iscale.
    The first `four_rows` rows are quantized as ggml_quantize_mat_q8_K_4x8 does for the repacked
    kernels, which differs only in picking the positive value when +amax and -amax both occur.
    Returns (q [N, nb, 256], d [N, nb]) as float64."""
    N, K = x.shape
    b = x.reshape(N, K // 256, 256)
    a = b.abs()
    idx = a.argmax(-1, keepdim=True)  # the first maximal element
    mx = b.gather(-1, idx)
    if four_rows:
        amax = a.amax(-1, keepdim=True)
        pos = (b == amax).any(-1, keepdim=True)
        alt = torch.where(pos, amax, -amax)
        rows = (torch.arange(N) < four_rows).reshape(N, 1, 1)
        mx = torch.where(rows, alt, mx)
    zero = mx == 0
    iscale = div(-127.0, torch.where(zero, torch.ones_like(mx), mx))
    q = torch.round(b * iscale).clamp(max=127)
    d = torch.where(zero, torch.zeros_like(iscale), div(1.0, iscale))
    q = torch.where(zero, torch.zeros_like(q), q)
    return q.to(F64), d[..., 0].to(F64)


# --- kernels -------------------------------------------------------------------------------------


# Types whose integer block dots (32 products of at most 255*128) are exact in float32, so their
# quants are kept as float32 once (the K-quants' scaled 256-value sums need float64).
_BLOCK32 = (GGML_Q8_0, GGML_Q4_0, GGML_Q5_0, GGML_Q4_1, GGML_Q5_1)


def _wq(w):
    if w.type in _BLOCK32:
        if getattr(w, "qf", None) is None:
            w.qf = w.q.to(F32)
        return w.qf
    return w.q.to(F64)


def _group_dots(xq, w, group):
    """Integer dots of consecutive groups of `group` values of each activation row with each
    weight row: [N, n_out, n_in / group] float32, exact. As batched matrix products over the
    groups, with the weight quants kept transposed ([groups, group, n_out]) after the first call."""
    cache = getattr(w, "grouped", None)
    if cache is None:
        w.grouped = cache = {}
    wt = cache.get(group)
    if wt is None:
        wt = cache[group] = _wq(w).reshape(w.n_out, -1, group).permute(1, 2, 0).contiguous()
    x = xq.to(wt.dtype).reshape(xq.shape[0], -1, group).permute(1, 0, 2)  # [groups, N, group]
    return torch.bmm(x, wt).permute(1, 2, 0).float()


def _q8_0_lanes(xq, xd, w):
    """ggml_vec_dot_q8_0_q8_0 / ggml_vec_dot_q4_0_q8_0 (AVX2) and tinyBLAS_Q0_AVX: 8 lanes of
    4 consecutive products per block, acc = fma(d_x*d_w, lane, acc) block by block, hsum_float_8."""
    N, nb, _ = xq.shape
    P = _group_dots(xq, w, 4).reshape(N, w.n_out, nb, 8)
    D = (xd[:, None, :] * w.d[None]).float()  # FP16*FP16: exact in float32
    acc = torch.zeros(N, w.n_out, 8)
    for blk in range(nb):
        acc = fma(D[:, :, blk, None], P[:, :, blk], acc)
    return hsum8(acc)


def _lane_dots(xq, w):
    """Integer dots of 32-value blocks in 8 lanes of 4 consecutive products (dpbusd /
    maddubs+madd): [N, n_out, nb, 8] float32 (exact)."""
    N, nb, _ = xq.shape
    return _group_dots(xq, w, 4).reshape(N, w.n_out, nb, 8)


def _q4_1_q5_1_vecdot(xq, xd, xs, w):
    """ggml_vec_dot_q4_1_q8_1 / ggml_vec_dot_q5_1_q8_1 (AVX2): acc = fma(d_w*d_x, lane, acc) block
    by block, summs += m_w*s_x (an exact product, so fused or not alike), hsum_float_8(acc) + summs."""
    P = _lane_dots(xq, w)
    D = (xd[:, None, :] * w.d[None]).float()
    MS = (xs[:, None, :] * w.m[None]).float()  # FP16*FP16: exact in float32
    acc = torch.zeros(xq.shape[0], w.n_out, 8)
    summs = torch.zeros(xq.shape[0], w.n_out)
    for blk in range(xq.shape[1]):
        acc = fma(D[:, :, blk, None], P[:, :, blk], acc)
        summs = summs + MS[..., blk]
    return hsum8(acc) + summs


def _amx_q4_q8(xq, xd, w, xs=None):
    """The AMX buffer's Q4_0/Q4_1/Q8_0 kernels (tinygemm_kernel_vnni for one row, the AMX tiles'
    acc_C for more; alike per row): per column, acc = fma(float(block int dot), d_w*d_x, acc) and
    for Q4_1 then acc = fma(m_w, s_x, acc)."""
    # Every product is exact in float64 (an integer below 2^24 times an FP16*FP16 scale), so each
    # fused multiply-add is one float32 rounding of the float64 sum.
    # m_w*s_x (FP16*FP16) is exact in float32, so that fused multiply-add is a float32 addition.
    P = _group_dots(xq, w, 32).to(F64) * (xd[:, None, :] * w.d[None])
    MS = None if xs is None else (xs[:, None, :] * w.m[None]).float()
    acc = torch.zeros(xq.shape[0], w.n_out, dtype=F64)
    for blk in range(xq.shape[1]):
        if MS is None:
            acc = (acc + P[..., blk]).float().to(F64)
        else:
            acc = ((acc + P[..., blk]).float() + MS[..., blk]).to(F64)
    return acc.float()


def _amx_k(xq, xd, w):
    """The AMX buffer's Q4_K/Q5_K/Q6_K kernels (tinygemm_kernel_vnni for one row; for more, the
    AMX tiles with scale_C and acc_C: alike per row). Per column and super-block, with the exact
    integer sums I = sum_j sc_j * (q . q8)_j (Q6_K: of q - 32) and M = sum_j m_j * bsum_j
    (32-value sub-blocks): acc = fma(float(I), d_w*d_x, acc), then for Q4_K/Q5_K
    acc = fma(float(M), -(dmin_w*d_x), acc). float(): cvtepi32_ps, rounded to float32."""
    N, nb, _ = xq.shape
    sub = 16 if w.type == GGML_Q6_K else 32
    ns = 256 // sub
    dots = torch.einsum("nbjs,objs->nobj", xq.reshape(N, nb, ns, sub), _wq(w).reshape(w.n_out, nb, ns, sub))
    if w.type == GGML_Q6_K:
        dots = dots - 32 * _sub_sums(xq, 16)[:, None]
    I = (dots * w.sc[None]).sum(-1).float().to(F64)  # [N, n_out, nb]
    P = I * (xd[:, None, :] * w.d[None]).float().to(F64)
    if w.type != GGML_Q6_K:
        M = (_sub_sums(xq, 32)[:, None] * w.m[None]).sum(-1).float().to(F64)
        Pm = -M * (xd[:, None, :] * w.dmin[None]).float().to(F64)
    acc = torch.zeros(N, w.n_out, dtype=F64)
    for blk in range(nb):
        acc = (acc + P[..., blk]).float().to(F64)
        if w.type != GGML_Q6_K:
            acc = (acc + Pm[..., blk]).float().to(F64)
    return acc.float()


def _q4_0_repack(xq, xd, w):
    """ggml_gemv/gemm_q4_0_8x8_q8_0 (x86): per column, acc = fma(float(block int dot),
    d_w*d_x, acc) block by block."""
    I = _group_dots(xq, w, 32)
    D = (xd[:, None, :] * w.d[None]).float()
    acc = torch.zeros(xq.shape[0], w.n_out)
    for blk in range(xq.shape[1]):
        acc = fma(I[..., blk], D[..., blk], acc)
    return acc


def _sub_sums(xq, size):
    """Sums of the activation quants per sub-block of `size` (Q8_K bsums, exact)."""
    N, nb, _ = xq.shape
    return xq.reshape(N, nb, 256 // size, size).sum(-1)


def _k_repack(xq, xd, w, gemm_rows):
    """ggml_gemv/gemm_q4_K_8x8_q8_K (x86) and ggml_gemv/gemm_q2_K_8x8_q8_K (AVX-512). Per column,
    with I = sc_j * (q . q8)_j and M = m_j * bsum_j (ints per sub-block j: 32 values for Q4_K, 16
    for Q2_K): acc = fma(float(I), d_w*d_x, acc) and accm = fma(float(M), dmin_w*d_x, accm), then
    acc - accm. The gemv (rows past the last full group of four) sums I and M over each
    super-block first; the gemm over 64 values (Q4_K) or 128 (Q2_K)."""
    N, nb, _ = xq.shape
    sub = 32 if w.type == GGML_Q4_K else 16
    ns = 256 // sub
    dots = torch.einsum("nbjs,objs->nobj", xq.reshape(N, nb, ns, sub), _wq(w).reshape(w.n_out, nb, ns, sub))
    I = dots * w.sc[None]  # [N, n_out, nb, ns]
    M = _sub_sums(xq, sub)[:, None] * w.m[None]
    D = (w.d[None] * xd[:, None, :]).float()
    Dm = (w.dmin[None] * xd[:, None, :]).float()
    out = []
    for rows, group in ((slice(0, gemm_rows), 2 if sub == 32 else 8), (slice(gemm_rows, N), ns)):
        n = len(range(N)[rows])
        if n == 0:
            continue
        Ig = I[rows].reshape(n, w.n_out, nb, ns // group, group).sum(-1).float()
        Mg = M[rows].reshape(n, w.n_out, nb, ns // group, group).sum(-1).float()
        acc = torch.zeros(n, w.n_out)
        accm = torch.zeros(n, w.n_out)
        for blk in range(nb):
            for g in range(ns // group):
                acc = fma(Ig[..., blk, g], D[rows, :, blk], acc)
                accm = fma(Mg[..., blk, g], Dm[rows, :, blk], accm)
        out.append(acc - accm)
    return torch.cat(out)


def _k_lane_sums(xq, wq_scaled, w):
    """Integer lane sums of the AVX2 K-quant dots: lane l of the 8 int32 lanes collects elements
    e with (e % 32) // 4 == l (four bytes of each 32-byte vector), already weighted by scale."""
    N, nb, _ = xq.shape
    return torch.einsum(
        "nbvls,obvls->nobl", xq.reshape(N, nb, 8, 8, 4), wq_scaled.reshape(w.n_out, nb, 8, 8, 4)
    )


def _q4_q5_k_vecdot(xq, xd, w):
    """ggml_vec_dot_q4_K_q8_K / ggml_vec_dot_q5_K_q8_K (AVX2)."""
    n, nb, _ = xq.shape
    scaled = (_wq(w).reshape(w.n_out, nb, 8, 32) * w.sc.unsqueeze(-1)).reshape(w.n_out, nb, 256)
    lanes = _k_lane_sums(xq, scaled, w).float()  # cvtepi32_ps (exact ints, rounded to float32)
    d = (xd[:, None, :] * w.d[None]).float()
    dmin = -((xd[:, None, :] * w.dmin[None]).float())
    S = _sub_sums(xq, 32)  # [n, nb, 8]
    acc = torch.zeros(n, w.n_out, 8)
    if w.type == GGML_Q4_K:
        # acc_m: 4 lanes, lane t = m[2t]*S[2t] + m[2t+1]*S[2t+1]
        prod = (w.m[None] * S[:, None]).reshape(n, w.n_out, nb, 4, 2).sum(-1).float()
        accm = torch.zeros(n, w.n_out, 4)
        for blk in range(nb):
            accm = fma(dmin[..., blk, None], prod[:, :, blk], accm)
            acc = fma(d[..., blk, None], lanes[:, :, blk], acc)
        return hsum8(acc) + hsum4(accm)
    H = (w.m[None] * S[:, None]).sum(-1).float()  # [n, n_out, nb]: the scalar sum of mins * bsums
    summs = torch.zeros(n, w.n_out)
    for blk in range(nb):
        acc = fma(d[..., blk, None], lanes[:, :, blk], acc)
        summs = fma(dmin[..., blk], H[..., blk], summs)  # summs += dmin * sum (fused)
    return hsum8(acc) + summs


def _q2_k_vecdot(xq, xd, w):
    """ggml_vec_dot_q2_K_q8_K (AVX2). Per super-block: acc = fma(-(d_x*dmin_w), float(lane), acc)
    with lane l = m[2l]*bsum[2l] + m[2l+1]*bsum[2l+1] (16-value sub-blocks), then acc = fma(d_x*d_w,
    float(lane), acc) with the 8 lanes of the scaled 2-bit dots; hsum_float_8."""
    n, nb, _ = xq.shape
    scaled = (_wq(w).reshape(w.n_out, nb, 16, 16) * w.sc.unsqueeze(-1)).reshape(w.n_out, nb, 256)
    lanes = _k_lane_sums(xq, scaled, w).float()
    mins = (w.m[None] * _sub_sums(xq, 16)[:, None]).reshape(n, w.n_out, nb, 8, 2).sum(-1).float()
    d = (xd[:, None, :] * w.d[None]).float()
    dmin = -((xd[:, None, :] * w.dmin[None]).float())
    acc = torch.zeros(n, w.n_out, 8)
    for blk in range(nb):
        acc = fma(dmin[..., blk, None], mins[:, :, blk], acc)
        acc = fma(d[..., blk, None], lanes[:, :, blk], acc)
    return hsum8(acc)


def _q3_k_vecdot(xq, xd, w):
    """ggml_vec_dot_q3_K_q8_K (AVX2): the signed 3-bit quants times their 6-bit scale in 8 lanes,
    acc = fma(d_x*d_w, float(lane), acc) per super-block, hsum_float_8."""
    n, nb, _ = xq.shape
    scaled = (_wq(w).reshape(w.n_out, nb, 16, 16) * w.sc.unsqueeze(-1)).reshape(w.n_out, nb, 256)
    lanes = _k_lane_sums(xq, scaled, w).float()
    d = (xd[:, None, :] * w.d[None]).float()
    acc = torch.zeros(n, w.n_out, 8)
    for blk in range(nb):
        acc = fma(d[..., blk, None], lanes[:, :, blk], acc)
    return hsum8(acc)


def _q6_k_vecdot(xq, xd, w):
    """ggml_vec_dot_q6_K_q8_K (AVX2): unsigned 6-bit quants times scale per lane, minus
    32 * (bsum[2l]*sc[2l] + bsum[2l+1]*sc[2l+1]) in lane l; acc = fma(d, float(lane), acc)."""
    n, nb, _ = xq.shape
    scaled = (_wq(w).reshape(w.n_out, nb, 16, 16) * w.sc.unsqueeze(-1)).reshape(w.n_out, nb, 256)
    lanes = _k_lane_sums(xq, scaled, w)
    bs = _sub_sums(xq, 16)  # [n, nb, 16]
    sub = 32 * (bs[:, None] * w.sc[None]).reshape(n, w.n_out, nb, 8, 2).sum(-1)
    lanes = (lanes - sub).float()
    d = (xd[:, None, :] * w.d[None]).float()
    acc = torch.zeros(n, w.n_out, 8)
    for blk in range(nb):
        acc = fma(d[..., blk, None], lanes[:, :, blk], acc)
    return hsum8(acc)


def _float_lanes(x64, w64, lanes):
    """Per output, `lanes` float32 accumulators: acc = fma(x, w, acc) over the row in chunks of
    `lanes` (x and w exact in float64; their products are exact). Returns [N, n_out, lanes]."""
    N, K = x64.shape
    n_out = w64.shape[0]
    xs = x64.reshape(N, K // lanes, lanes)
    ws = w64.reshape(n_out, K // lanes, lanes)
    acc = torch.zeros(N, n_out, lanes)
    for c in range(K // lanes):
        acc = (xs[:, None, c] * ws[None, :, c] + acc.to(F64)).float()
    return acc


def _tinyblas(x64, w64, simd):
    """tinyBLAS<KN> for F32 (and F16 inputs): KN-lane fma accumulation over k, then hsum."""
    if simd == "avx512":
        return hsum16(_float_lanes(x64, w64, 16))
    return hsum8(_float_lanes(x64, w64, 8))


def _vec_dot_float(x64, w64, simd, leftover_double):
    """ggml_vec_dot_f32 (leftover_double False) / ggml_vec_dot_f16 (True): GGML_F32/F16_ARR = 4
    accumulators of EPR lanes over steps of 4*EPR, the REDUCE tree, then the leftover products,
    added in float32 (f32: rounded products added one by one in chunks of 8 in the AVX-512 builds,
    of 4 in the AVX2 ones, and fused multiply-adds for the last few; checked against every x86
    build node-llama-cpp ships) or in double (f16)."""
    epr = 16 if simd == "avx512" else 8
    step = 4 * epr
    N, K = x64.shape
    nv = K - K % step
    n_out = w64.shape[0]
    total = torch.zeros(N, n_out)
    if nv:
        xs = x64[:, :nv].reshape(N, nv // step, 4, epr)
        ws = w64[:, :nv].reshape(n_out, nv // step, 4, epr)
        acc = torch.zeros(N, n_out, 4, epr)
        for c in range(nv // step):
            acc = (xs[:, None, c] * ws[None, :, c] + acc.to(F64)).float()
        acc = acc[..., :2, :] + acc[..., 2:, :]
        x = acc[..., 0, :] + acc[..., 1, :]
        total = hsum16(x) if simd == "avx512" else reduce8(x)
    if nv < K:
        if leftover_double:
            total = (total.to(F64) + torch.matmul(x64[:, nv:], w64[:, nv:].t())).float()
        else:
            # The compiler vectorizes the products of `sumf += x[i]*y[i]` in chunks of 8 (AVX-512
            # builds) or 4 (AVX2), rounded, and adds them one by one; the last few it fuses.
            chunk = 8 if simd == "avx512" else 4
            tail = K - (K - nv) % chunk
            for i in range(nv, K):
                p = x64[:, None, i] * w64[None, :, i]
                if i < tail:
                    total = p.float() + total
                else:
                    total = (p + total.to(F64)).float()
    return total


def f32_mul_mat(x, w, simd):
    """An F32 weight [n_out, n_in] (float32 tensor) times float32 activations [N, n_in]."""
    return _float_mul_mat(x.to(F64), w.to(F64), simd, GGML_F32)


def _float_mul_mat(x64, w64, simd, type_id, batch=None):
    """F32/F16 weights: tinyBLAS when the batch has two or more rows and the row length is a
    multiple of its vector width (llamafile_sgemm), ggml_vec_dot_* otherwise."""
    N, K = x64.shape
    N = N if batch is None else batch
    kn = 16 if simd == "avx512" else 8
    if N >= 2 and K % kn == 0:
        return _tinyblas(x64, w64, simd)
    return _vec_dot_float(x64, w64, simd, type_id == GGML_F16)


def mul_mat(x, w, simd):
    """ggml_mul_mat(W, x) for float32 activation rows x [N, n_in] and a QWeight: float32 [N, n_out].
    Rows go in chunks (of a multiple of 4, so that the repacked kernels' groups of four stay
    whole) to bound the kernels' temporaries; every row's result depends only on the row and on
    whether it falls into a group of four."""
    N = x.shape[0]
    step = max(4, _TEMP_ELEMENTS // max(1, w.n_out * max(8, w.n_in // 4)) // 4 * 4)
    if N <= step:
        return _mul_mat(x, w, simd, N - N % 4)
    grouped = N - N % 4
    return torch.cat(
        [_mul_mat(x[r : r + step], w, simd, max(0, min(r + step, grouped) - r), whole_batch=N) for r in range(0, N, step)]
    )


def _mul_mat(x, w, simd, grouped, whole_batch=None):
    """One chunk of rows; `grouped`: how many of its leading rows are in groups of four of the
    whole batch (the repacked Q4_K gemm), `whole_batch`: the batch's row count (for the choice
    between tinyBLAS and vec_dot, which depends on it)."""
    N = x.shape[0] if whole_batch is None else whole_batch
    t = w.type
    if t == GGML_F32:
        return _float_mul_mat(x.to(F64), w.w, simd, t, N)
    if t == GGML_F16:
        if w.amx:
            # tinygemm_kernel_avx: the float32 activations (not rounded to F16) times the F16
            # weights, 16 fused lanes over the row, _mm512_reduce_add_ps; for any number of rows.
            return hsum16(_float_lanes(x.to(F64), w.w, 16))
        return _float_mul_mat(x.to(torch.float16).to(F64), w.w, simd, t, N)
    if t == GGML_BF16:
        # Not emulated bit for bit (ggml_vec_dot_bf16 / tinyBLAS bf16 use BF16 dot instructions):
        # the exact product of the BF16-rounded activations, rounded once.
        return torch.matmul(x.to(torch.bfloat16).to(F64), w.w.t()).float()
    if t in (GGML_Q8_0, GGML_Q4_0, GGML_Q5_0):
        xq, xd = quantize_q8_0(x)
        if w.amx:
            return _amx_q4_q8(xq, xd, w)
        if w.repacked:
            return _q4_0_repack(xq, xd, w)
        return _q8_0_lanes(xq, xd, w)
    if t in (GGML_Q4_1, GGML_Q5_1):
        xq, xd, xs = quantize_q8_1(x)
        if w.amx:
            return _amx_q4_q8(xq, xd, w, xs)
        return _q4_1_q5_1_vecdot(xq, xd, xs, w)
    if w.amx:  # Q4_K, Q5_K, Q6_K
        xq, xd = quantize_q8_k(x)
        return _amx_k(xq, xd, w)
    if w.repacked:  # Q4_K, Q2_K
        xq, xd = quantize_q8_k(x, four_rows=grouped)
        return _k_repack(xq, xd, w, grouped)
    xq, xd = quantize_q8_k(x)
    if t == GGML_Q6_K:
        return _q6_k_vecdot(xq, xd, w)
    if t == GGML_Q2_K:
        return _q2_k_vecdot(xq, xd, w)
    if t == GGML_Q3_K:
        return _q3_k_vecdot(xq, xd, w)
    return _q4_q5_k_vecdot(xq, xd, w)
