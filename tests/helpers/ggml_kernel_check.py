"""The trainer's replay of ggml's x86 dot-product kernels (saiga_trainer/ggml_matmul.py) against
node-llama-cpp's own ggml-cpu builds, called directly through ctypes: for every build this CPU can
run, random valid weight blocks of every quant type times activations the build quantizes itself
(ggml_vec_dot_<type>_<vec_dot_type>), and float rows of many lengths (ggml_vec_dot_f32 / _f16).
One JSON line per build and kernel: {"build", "simd", "kernel", "outputs", "mismatches"}.

usage: python3 ggml_kernel_check.py BINS_DIR TRAINER_DIR
"""

import ctypes
import json
import os
import random
import struct
import sys

import torch

# Each build with the CPU features it is compiled for (as /proc/cpuinfo names them) and the
# emulation's name for its vector width.
BUILDS = (
    ("haswell", "avx2", {"avx2", "fma", "f16c", "bmi2"}),
    ("alderlake", "avx2", {"avx2", "fma", "f16c", "bmi2", "avx_vnni"}),
    ("skylakex", "avx512", {"avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw"}),
    ("icelake", "avx512", {"avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw", "avx512_vnni", "avx512vbmi"}),
    ("zen4", "avx512", {"avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw", "avx512_vnni", "avx512vbmi", "avx512_bf16"}),
    (
        "sapphirerapids",
        "avx512",
        {"avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw", "avx512_vnni", "avx512vbmi", "avx512_bf16", "amx_tile", "amx_int8"},
    ),
)
# ggml type id: (kernel name, block bytes, offsets of the FP16 scales, vec_dot_type)
QUANTS = {
    2: ("q4_0", 18, [0], "q8_0"),
    3: ("q4_1", 20, [0, 2], "q8_1"),
    6: ("q5_0", 22, [0], "q8_0"),
    7: ("q5_1", 24, [0, 2], "q8_1"),
    8: ("q8_0", 34, [0], "q8_0"),
    10: ("q2_K", 84, [80, 82], "q8_K"),
    11: ("q3_K", 110, [108], "q8_K"),
    12: ("q4_K", 144, [0, 2], "q8_K"),
    13: ("q5_K", 176, [0, 2], "q8_K"),
    14: ("q6_K", 210, [208], "q8_K"),
}
# vec_dot_type: (values, bytes) per block
ACTIVATIONS = {"q8_0": (32, 34), "q8_1": (32, 36), "q8_K": (256, 292)}
DOT_ARGS = [ctypes.c_int, ctypes.POINTER(ctypes.c_float), ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t,
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]


def cpu_flags():
    with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


def random_blocks(rng, type_id, n_blocks, nbytes, halves):
    raw = bytearray(rng.randrange(256) for _ in range(n_blocks * nbytes))
    for b in range(n_blocks):
        for h in halves:
            raw[b * nbytes + h : b * nbytes + h + 2] = struct.pack("<e", rng.uniform(0.001, 0.01))
        if type_id == 8:  # Q8_0 quants are -127..127 (quantize_row_q8_0 never writes -128)
            for i in range(2, 34):
                if raw[b * nbytes + i] == 128:
                    raw[b * nbytes + i] = 129
    return raw


def check_quant(lib, gm, simd, type_id, rng, trials=12, k=512, n_out=8):
    name, nbytes, halves, vdt = QUANTS[type_id]
    block = 32 if vdt != "q8_K" else 256
    dot = getattr(lib, "ggml_vec_dot_%s_%s" % (name, vdt))
    dot.argtypes = DOT_ARGS
    per, qbytes = ACTIVATIONS[vdt]
    row = k // block * nbytes
    mismatches = 0
    for _ in range(trials):
        raw = random_blocks(rng, type_id, n_out * k // block, nbytes, halves)
        x = torch.randn(1, k) * rng.uniform(0.1, 3)
        xq = ctypes.create_string_buffer(k // per * qbytes)
        getattr(lib, "quantize_row_" + vdt)(ctypes.c_void_p(x.data_ptr()), xq, ctypes.c_int64(k))
        want = []
        for o in range(n_out):
            s = ctypes.c_float()
            dot(k, ctypes.byref(s), 0, bytes(raw[o * row : (o + 1) * row]), 0, xq.raw, 0, 1)
            want.append(s.value)
        w = gm.QWeight(torch.tensor(list(raw), dtype=torch.uint8), type_id, n_out, k, False)
        got = gm._mul_mat(x, w, simd, 0)[0].tolist()
        mismatches += sum(a != b for a, b in zip(got, want))
    return trials * n_out, mismatches


def _bytes(t):
    """A CPU tensor's bytes (no numpy on the machines the trainer runs on)."""
    return bytes(t.contiguous().view(torch.uint8).tolist())


def check_float(lib, gm, simd, half, rng):
    dot = lib.ggml_vec_dot_f16 if half else lib.ggml_vec_dot_f32
    dot.argtypes = DOT_ARGS
    outputs = mismatches = 0
    for n in (1, 3, 4, 5, 8, 9, 12, 31, 33, 64, 65, 72, 100, 130, 520, 576, 1000):
        for _ in range(8):
            x = torch.randn(n) * rng.uniform(0.1, 3)
            y = torch.randn(n)
            if half:
                x, y = x.half(), y.half()
            s = ctypes.c_float()
            dot(n, ctypes.byref(s), 0, _bytes(x), 0, _bytes(y), 0, 1)
            got = float(gm._vec_dot_float(x[None].double(), y[None].double(), simd, half)[0, 0])
            outputs += 1
            mismatches += got != s.value
    return outputs, mismatches


def main():
    bins, trainer_dir = sys.argv[1], sys.argv[2]
    sys.path.insert(0, trainer_dir)
    from saiga_trainer import ggml_matmul as gm

    torch.manual_seed(7)
    rng = random.Random(7)
    flags = cpu_flags()
    ctypes.CDLL(os.path.join(bins, "libggml-base.so"), mode=ctypes.RTLD_GLOBAL)
    for build, simd, needs in BUILDS:
        path = os.path.join(bins, "libggml-cpu-%s.so" % build)
        if not needs <= flags or not os.path.exists(path):
            continue  # it would not run here (illegal instructions), or is not shipped
        lib = ctypes.CDLL(path)
        lib.ggml_cpu_init()  # the FP16 tables the scalar paths read
        for type_id, (name, _, _, vdt) in QUANTS.items():
            outputs, bad = check_quant(lib, gm, simd, type_id, rng)
            print(json.dumps({"build": build, "simd": simd, "kernel": "%s_%s" % (name, vdt), "outputs": outputs, "mismatches": bad}))
        for half in (False, True):
            outputs, bad = check_float(lib, gm, simd, half, rng)
            print(json.dumps({"build": build, "simd": simd, "kernel": "f16" if half else "f32", "outputs": outputs, "mismatches": bad}))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
