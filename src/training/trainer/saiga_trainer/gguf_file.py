"""GGUF v2/v3 reading (metadata, tensor infos, tensor data dequantized to torch tensors) and a small
writer for LoRA adapters in the layout llama.cpp loads (and for F32/F16/BF16 models, which the
benchmarks generate).

Block layouts follow ggml-common.h / ggml-quants.c (QK_K = 256). All dequantization is vectorized
with torch ops, so it runs on whatever device the raw bytes are moved to.
"""

import mmap
import os
import struct

import torch

GGUF_MAGIC = 0x46554747  # "GGUF" little-endian
GGUF_DEFAULT_ALIGNMENT = 32

# GGUF metadata value types.
T_UINT8, T_INT8, T_UINT16, T_INT16, T_UINT32, T_INT32, T_FLOAT32, T_BOOL = range(8)
T_STRING, T_ARRAY, T_UINT64, T_INT64, T_FLOAT64 = 8, 9, 10, 11, 12

_SCALAR_FORMATS = {
    T_UINT8: "B",
    T_INT8: "b",
    T_UINT16: "H",
    T_INT16: "h",
    T_UINT32: "I",
    T_INT32: "i",
    T_FLOAT32: "f",
    T_BOOL: "?",
    T_UINT64: "Q",
    T_INT64: "q",
    T_FLOAT64: "d",
}

# ggml tensor types (enum ggml_type) this module can dequantize.
GGML_F32, GGML_F16, GGML_Q4_0, GGML_Q4_1, GGML_Q5_0, GGML_Q5_1, GGML_Q8_0 = 0, 1, 2, 3, 6, 7, 8
GGML_Q2_K, GGML_Q3_K, GGML_Q4_K, GGML_Q5_K, GGML_Q6_K, GGML_BF16 = 10, 11, 12, 13, 14, 30

QK_K = 256
# type id -> (name, elements per block, bytes per block)
GGML_TYPES = {
    GGML_F32: ("F32", 1, 4),
    GGML_F16: ("F16", 1, 2),
    GGML_BF16: ("BF16", 1, 2),
    GGML_Q4_0: ("Q4_0", 32, 2 + 16),
    GGML_Q4_1: ("Q4_1", 32, 2 + 2 + 16),
    GGML_Q5_0: ("Q5_0", 32, 2 + 4 + 16),
    GGML_Q5_1: ("Q5_1", 32, 2 + 2 + 4 + 16),
    GGML_Q8_0: ("Q8_0", 32, 2 + 32),
    GGML_Q2_K: ("Q2_K", QK_K, QK_K // 16 + QK_K // 4 + 2 + 2),
    GGML_Q3_K: ("Q3_K", QK_K, QK_K // 8 + QK_K // 4 + 12 + 2),
    GGML_Q4_K: ("Q4_K", QK_K, 4 + 12 + QK_K // 2),
    GGML_Q5_K: ("Q5_K", QK_K, 4 + 12 + QK_K // 8 + QK_K // 2),
    GGML_Q6_K: ("Q6_K", QK_K, QK_K // 2 + QK_K // 4 + QK_K // 16 + 2),
}
# Names of the types that only have a size here (to say which type a file uses when it is unsupported).
_OTHER_TYPE_NAMES = {
    9: "Q8_1", 15: "Q8_K",
    16: "IQ2_XXS", 17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S",
    22: "IQ2_S", 23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32", 27: "I64", 28: "F64",
    29: "IQ1_M", 34: "TQ1_0", 35: "TQ2_0", 39: "MXFP4",
}


def ggml_type_name(type_id):
    if type_id in GGML_TYPES:
        return GGML_TYPES[type_id][0]
    return _OTHER_TYPE_NAMES.get(type_id, "type %d" % type_id)


class GgufError(Exception):
    """A file that is not a GGUF this module can read (the message is one line)."""


class TensorInfo:
    __slots__ = ("name", "dims", "type", "offset", "n_elements", "n_bytes")

    def __init__(self, name, dims, type_id, offset):
        self.name = name
        self.dims = dims  # ggml ne order: dims[0] is the contiguous row length
        self.type = type_id
        self.offset = offset  # absolute file offset of the data
        n = 1
        for d in dims:
            n *= d
        self.n_elements = n
        self.n_bytes = None
        if type_id in GGML_TYPES:
            _, block, size = GGML_TYPES[type_id]
            if dims and dims[0] % block != 0:
                raise GgufError(
                    "tensor %s: row length %d is not a multiple of the %s block size %d"
                    % (name, dims[0], ggml_type_name(type_id), block)
                )
            self.n_bytes = n // block * size

    @property
    def shape(self):
        """torch shape (row-major: reversed ne)."""
        return tuple(reversed(self.dims))


class _Cursor:
    def __init__(self, buf, path):
        self.buf = buf
        self.pos = 0
        self.path = path

    def take(self, fmt):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.buf):
            raise GgufError("%s: truncated GGUF header" % self.path)
        values = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return values

    def scalar(self, fmt):
        return self.take("<" + fmt)[0]

    def string(self):
        n = self.scalar("Q")
        if self.pos + n > len(self.buf):
            raise GgufError("%s: truncated GGUF header" % self.path)
        raw = bytes(self.buf[self.pos : self.pos + n])
        self.pos += n
        return raw.decode("utf-8", errors="replace")

    def value(self, vtype, depth=0):
        if vtype == T_STRING:
            return self.string()
        if vtype == T_ARRAY:
            if depth > 8:
                raise GgufError("%s: metadata arrays nested too deep" % self.path)
            item_type = self.scalar("I")
            count = self.scalar("Q")
            if item_type in _SCALAR_FORMATS:
                fmt = _SCALAR_FORMATS[item_type]
                if self.pos + count * struct.calcsize(fmt) > len(self.buf):
                    raise GgufError("%s: truncated GGUF header" % self.path)
                return list(self.take("<%d%s" % (count, fmt)))
            if item_type in (T_STRING, T_ARRAY):
                return [self.value(item_type, depth + 1) for _ in range(count)]
            raise GgufError("%s: unknown metadata array item type %d" % (self.path, item_type))
        if vtype in _SCALAR_FORMATS:
            return self.scalar(_SCALAR_FORMATS[vtype])
        raise GgufError("%s: unknown metadata value type %d" % (self.path, vtype))


class GgufFile:
    """A GGUF file opened for reading: `metadata` (dict), `tensors` (dict name -> TensorInfo)."""

    def __init__(self, path):
        self.path = path
        try:
            f = open(path, "rb")
        except OSError as e:
            raise GgufError("cannot open %s: %s" % (path, e.strerror or e))
        with f:
            size = os.fstat(f.fileno()).st_size
            if size < 24:
                raise GgufError("%s is not a GGUF file (too short)" % path)
            # A private copy-on-write mapping: readable lazily, and writable as far as torch is concerned.
            self._mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
        cur = _Cursor(self._mm, path)
        magic = cur.scalar("I")
        if magic != GGUF_MAGIC:
            raise GgufError("%s is not a GGUF file (bad magic)" % path)
        self.version = cur.scalar("I")
        if self.version not in (2, 3):
            raise GgufError("%s: GGUF version %d is not supported (2 and 3 are)" % (path, self.version))
        n_tensors = cur.scalar("Q")
        n_kv = cur.scalar("Q")
        if n_tensors > size or n_kv > size:
            raise GgufError("%s: corrupt GGUF header (counts)" % path)
        self.metadata = {}
        for _ in range(n_kv):
            key = cur.string()
            vtype = cur.scalar("I")
            self.metadata[key] = cur.value(vtype)
        align = self.metadata.get("general.alignment", GGUF_DEFAULT_ALIGNMENT)
        if not isinstance(align, int) or align <= 0 or align & (align - 1):
            raise GgufError("%s: general.alignment %r is not a power of two" % (path, align))
        self.alignment = align
        infos = []
        for _ in range(n_tensors):
            name = cur.string()
            n_dims = cur.scalar("I")
            if n_dims > 4:
                raise GgufError("%s: tensor %s has %d dims" % (path, name, n_dims))
            dims = [cur.scalar("Q") for _ in range(n_dims)]
            type_id = cur.scalar("I")
            offset = cur.scalar("Q")
            infos.append((name, dims, type_id, offset))
        self.data_offset = (cur.pos + align - 1) // align * align
        self.tensors = {}
        for name, dims, type_id, offset in infos:
            info = TensorInfo(name, dims, type_id, self.data_offset + offset)
            if info.n_bytes is not None and info.offset + info.n_bytes > size:
                raise GgufError("%s: tensor %s lies past the end of the file" % (path, name))
            self.tensors[name] = info

    def get(self, key, default=None):
        return self.metadata.get(key, default)

    def raw(self, name):
        """The tensor's bytes as a uint8 CPU tensor (a view of the mapping)."""
        info = self.tensors[name]
        if info.n_bytes is None:
            raise GgufError(
                "%s: tensor %s is %s, which the trainer cannot read (supported: %s)"
                % (self.path, name, ggml_type_name(info.type), ", ".join(v[0] for v in GGML_TYPES.values()))
            )
        if info.n_bytes == 0:
            return torch.zeros(0, dtype=torch.uint8)
        return torch.frombuffer(self._mm, dtype=torch.uint8, count=info.n_bytes, offset=info.offset)

    def tensor(self, name, dtype=torch.float32, device="cpu"):
        """The tensor dequantized, shaped row-major (reversed ne), as `dtype` on `device`."""
        info = self.tensors.get(name)
        if info is None:
            raise GgufError("%s: no tensor %s" % (self.path, name))
        raw = self.raw(name)
        out = dequantize(raw, info.type, info.n_elements, dtype=dtype, device=device)
        return out.reshape(info.shape)


# Elements dequantized per step: bounds the float32 temporaries for big tensors.
_CHUNK_ELEMENTS = 1 << 24


def dequantize(raw, type_id, n_elements, dtype=torch.float32, device="cpu"):
    """Decodes `n_elements` values of ggml type `type_id` from uint8 tensor `raw` (1-D)."""
    if type_id not in GGML_TYPES:
        raise GgufError("cannot dequantize ggml type %s" % ggml_type_name(type_id))
    _, block, size = GGML_TYPES[type_id]
    n_blocks = n_elements // block
    out = torch.empty(n_elements, dtype=dtype, device=device)
    blocks_per_chunk = max(1, _CHUNK_ELEMENTS // block)
    fn = _DECODERS[type_id]
    # float64 decoding is exact for every block type (the llama.cpp emulation needs that); float32
    # is exact for all but the K-quant "d*q - m" difference, which training does not mind.
    ct = torch.float64 if dtype == torch.float64 else torch.float32
    for b0 in range(0, n_blocks, blocks_per_chunk):
        b1 = min(n_blocks, b0 + blocks_per_chunk)
        chunk = raw[b0 * size : b1 * size].to(device).reshape(b1 - b0, size)
        out[b0 * block : b1 * block] = fn(chunk, ct).reshape(-1).to(dtype)
    return out


def _f16(cols, ct=torch.float32):
    """[n, 2] uint8 -> [n, 1] `ct` from little-endian IEEE half."""
    return cols.contiguous().view(torch.float16).to(ct)


def _dec_f32(b, ct):
    return b.contiguous().view(torch.float32).to(ct)


def _dec_f16(b, ct):
    return b.contiguous().view(torch.float16).to(ct)


def _dec_bf16(b, ct):
    # bf16 is the top half of a float32: exact and independent of bf16 support of the device.
    bits = b.contiguous().view(torch.int16).to(torch.int32) & 0xFFFF
    return (bits << 16).view(torch.float32).to(ct)


def _dec_q8_0(b, ct):
    d = _f16(b[:, 0:2], ct)
    q = b[:, 2:34].contiguous().view(torch.int8).to(ct)
    return d * q


def _dec_q4_0(b, ct):
    d = _f16(b[:, 0:2], ct)
    qs = b[:, 2:18]
    lo = (qs & 0x0F).to(torch.int16) - 8
    hi = (qs >> 4).to(torch.int16) - 8
    return d * torch.cat([lo, hi], dim=1).to(ct)


def _dec_q4_1(b, ct):
    d = _f16(b[:, 0:2], ct)
    m = _f16(b[:, 2:4], ct)
    qs = b[:, 4:20]
    q = torch.cat([qs & 0x0F, qs >> 4], dim=1).to(ct)
    return d * q + m


def q5_high_bits(qh):
    """[n, 4] uint8 (a little-endian uint32 of high bits) -> [n, 32] int16: bit e of element e."""
    qh = qh.to(torch.int16)
    shifts = torch.arange(8, device=qh.device, dtype=torch.int16)
    return ((qh.unsqueeze(2) >> shifts) & 1).reshape(qh.shape[0], 32)


def _dec_q5_0(b, ct):
    d = _f16(b[:, 0:2], ct)
    qs = b[:, 6:22].to(torch.int16)
    q = torch.cat([qs & 0x0F, qs >> 4], dim=1) | (q5_high_bits(b[:, 2:6]) << 4)
    return d * (q - 16).to(ct)


def _dec_q5_1(b, ct):
    d = _f16(b[:, 0:2], ct)
    m = _f16(b[:, 2:4], ct)
    qs = b[:, 8:24].to(torch.int16)
    q = torch.cat([qs & 0x0F, qs >> 4], dim=1) | (q5_high_bits(b[:, 4:8]) << 4)
    return d * q.to(ct) + m


def k2_low(qs):
    """The 2-bit quants of Q2_K/Q3_K in element order: [n, 64] uint8 -> [n, 256] int32. Element
    128j + 32k + l is bits 2k..2k+1 of byte 32j + l."""
    n = qs.shape[0]
    q = qs.reshape(n, 2, 1, 32).to(torch.int32)
    shifts = torch.tensor([0, 2, 4, 6], device=qs.device, dtype=torch.int32).reshape(1, 1, 4, 1)
    return ((q >> shifts) & 3).reshape(n, 256)


def _dec_q2_k(b, ct):
    n = b.shape[0]
    sc = b[:, 0:16].to(torch.int32)  # per 16 elements: scale in the low nibble, min in the high one
    q = k2_low(b[:, 16:80]).reshape(n, 16, 16).to(ct)
    d = _f16(b[:, 80:82], ct)
    dmin = _f16(b[:, 82:84], ct)
    return (d * (sc & 0x0F).to(ct)).unsqueeze(2) * q - (dmin * (sc >> 4).to(ct)).unsqueeze(2)


def q3_k_scales(s):
    """The 16 signed 6-bit scales of a Q3_K block (minus 32): [n, 12] uint8 -> [n, 16] int32.
    Scale 4g + i: low nibble of byte i (g 0, 2: low / high nibble of bytes 0..3; g 1, 3: of bytes
    4..7), high two bits from bits 2g..2g+1 of byte 8 + i."""
    s = s.to(torch.int32)
    low = torch.cat([s[:, 0:4] & 15, s[:, 4:8] & 15, s[:, 0:4] >> 4, s[:, 4:8] >> 4], dim=1)
    high = torch.cat([(s[:, 8:12] >> (2 * g)) & 3 for g in range(4)], dim=1)
    return (low | (high << 4)) - 32


def q3_k_quants(hmask, qs):
    """Q3_K quants in element order, -4..3: [n, 256] int32. The high bit of element 128j + 32k + l
    is bit 4j + k of hmask[l]; a clear bit subtracts 4."""
    n = qs.shape[0]
    h = hmask.to(torch.int32).reshape(n, 1, 32)
    shifts = torch.arange(8, device=qs.device, dtype=torch.int32).reshape(1, 8, 1)
    high = ((h >> shifts) & 1).reshape(n, 256)
    return k2_low(qs) - 4 * (1 - high)


def _dec_q3_k(b, ct):
    n = b.shape[0]
    q = q3_k_quants(b[:, 0:32], b[:, 32:96]).reshape(n, 16, 16).to(ct)
    sc = q3_k_scales(b[:, 96:108]).to(ct)
    d = _f16(b[:, 108:110], ct)
    return (d * sc).unsqueeze(2) * q


def _k_scales(s, ct):
    """get_scale_min_k4 for j = 0..7: 6-bit scales and mins packed in 12 bytes. s: [n, 12] uint8."""
    s = s.to(torch.int32)
    sc_lo = s[:, 0:4] & 63
    m_lo = s[:, 4:8] & 63
    sc_hi = (s[:, 8:12] & 0x0F) | ((s[:, 0:4] >> 6) << 4)
    m_hi = (s[:, 8:12] >> 4) | ((s[:, 4:8] >> 6) << 4)
    return torch.cat([sc_lo, sc_hi], dim=1).to(ct), torch.cat([m_lo, m_hi], dim=1).to(ct)


def _dec_q4_k(b, ct):
    n = b.shape[0]
    d = _f16(b[:, 0:2], ct)
    dmin = _f16(b[:, 2:4], ct)
    sc, m = _k_scales(b[:, 4:16], ct)
    qs = b[:, 16:144].reshape(n, 4, 32)
    # Each 32-byte group holds two sub-blocks: low nibbles first, then high nibbles.
    q = torch.stack([qs & 0x0F, qs >> 4], dim=2).reshape(n, 8, 32).to(ct)
    d1 = (d * sc).unsqueeze(2)
    m1 = (dmin * m).unsqueeze(2)
    return d1 * q - m1


def _dec_q5_k(b, ct):
    n = b.shape[0]
    d = _f16(b[:, 0:2], ct)
    dmin = _f16(b[:, 2:4], ct)
    sc, m = _k_scales(b[:, 4:16], ct)
    qh = b[:, 16:48].to(torch.int32)  # [n, 32]: bit j is the high bit of sub-block j
    qs = b[:, 48:176].reshape(n, 4, 32)
    low = torch.stack([qs & 0x0F, qs >> 4], dim=2).reshape(n, 8, 32).to(torch.int32)
    shifts = torch.arange(8, device=b.device, dtype=torch.int32).reshape(1, 8, 1)
    high = (qh.unsqueeze(1) >> shifts) & 1
    q = (low + 16 * high).to(ct)
    d1 = (d * sc).unsqueeze(2)
    m1 = (dmin * m).unsqueeze(2)
    return d1 * q - m1


def _dec_q6_k(b, ct):
    n = b.shape[0]
    ql = b[:, 0:128].reshape(n, 2, 64).to(torch.int32)
    qh = b[:, 128:192].reshape(n, 2, 32).to(torch.int32)
    sc = b[:, 192:208].contiguous().view(torch.int8).to(ct)  # [n, 16]
    d = _f16(b[:, 208:210], ct)
    low = torch.stack(
        [ql[:, :, 0:32] & 0x0F, ql[:, :, 32:64] & 0x0F, ql[:, :, 0:32] >> 4, ql[:, :, 32:64] >> 4], dim=2
    )  # [n, 2, 4, 32]
    shifts = torch.tensor([0, 2, 4, 6], device=b.device, dtype=torch.int32).reshape(1, 1, 4, 1)
    high = (qh.unsqueeze(2) >> shifts) & 3
    q = ((low | (high << 4)) - 32).reshape(n, 16, 16).to(ct)
    # Element e of the super-block uses scale e // 16.
    return (d * sc).unsqueeze(2) * q


_DECODERS = {
    GGML_F32: _dec_f32,
    GGML_F16: _dec_f16,
    GGML_BF16: _dec_bf16,
    GGML_Q8_0: _dec_q8_0,
    GGML_Q4_0: _dec_q4_0,
    GGML_Q4_1: _dec_q4_1,
    GGML_Q5_0: _dec_q5_0,
    GGML_Q5_1: _dec_q5_1,
    GGML_Q2_K: _dec_q2_k,
    GGML_Q3_K: _dec_q3_k,
    GGML_Q4_K: _dec_q4_k,
    GGML_Q5_K: _dec_q5_k,
    GGML_Q6_K: _dec_q6_k,
}


# --- writing ---------------------------------------------------------------------------------


def _w_str(out, s):
    raw = s.encode("utf-8")
    out += struct.pack("<Q", len(raw))
    out += raw


def _w_value(out, value):
    """Writes (type, value): str, bool, int (u32), float (f32), or a list of one of str, bool,
    int (i32) or float (f32) as an array (tokenizer vocabularies, scores, token types)."""
    if isinstance(value, (list, tuple)):
        kinds = {bool if isinstance(v, bool) else type(v) for v in value}
        if len(kinds) > 1 or not kinds <= {str, bool, int, float}:
            raise TypeError("unsupported metadata array %r" % (value[:4],))
        kind = kinds.pop() if kinds else int
        item_type, fmt = {
            str: (T_STRING, None), bool: (T_BOOL, "?"), int: (T_INT32, "i"), float: (T_FLOAT32, "f")
        }[kind]
        out += struct.pack("<IIQ", T_ARRAY, item_type, len(value))
        if fmt is None:
            for v in value:
                _w_str(out, v)
        else:
            out += struct.pack("<%d%s" % (len(value), fmt), *value)
    elif isinstance(value, str):
        out += struct.pack("<I", T_STRING)
        _w_str(out, value)
    elif isinstance(value, bool):
        out += struct.pack("<I?", T_BOOL, value)
    elif isinstance(value, int):
        out += struct.pack("<II", T_UINT32, value)
    elif isinstance(value, float):
        out += struct.pack("<If", T_FLOAT32, value)
    else:
        raise TypeError("unsupported metadata value %r" % (value,))


# Tensor types write_gguf can store, with the torch dtype their data is converted to.
_WRITE_DTYPES = {GGML_F32: torch.float32, GGML_F16: torch.float16, GGML_BF16: torch.bfloat16}


def write_gguf(path, metadata, tensors, alignment=GGUF_DEFAULT_ALIGNMENT):
    """Writes a GGUF v3 file. `tensors`: list of (name, torch tensor, ne dims) stored as F32, or
    (name, torch tensor, ne dims, ggml type) with type GGML_F32, GGML_F16 or GGML_BF16 (models).
    The file appears atomically (written aside, then renamed)."""
    header = bytearray()
    header += struct.pack("<IIQQ", GGUF_MAGIC, 3, len(tensors), len(metadata))
    for key, value in metadata.items():
        _w_str(header, key)
        _w_value(header, value)
    rel = 0
    blobs = []
    for entry in tensors:
        name, t, dims = entry[:3]
        type_id = entry[3] if len(entry) > 3 else GGML_F32
        if type_id not in _WRITE_DTYPES:
            raise ValueError("tensor %s: cannot write ggml type %s" % (name, ggml_type_name(type_id)))
        data = t.detach().to("cpu", _WRITE_DTYPES[type_id]).contiguous()
        n = 1
        for d in dims:
            n *= d
        if data.numel() != n:
            raise ValueError("tensor %s: %d values, dims %r need %d" % (name, data.numel(), dims, n))
        _w_str(header, name)
        header += struct.pack("<I", len(dims))
        for d in dims:
            header += struct.pack("<Q", d)
        header += struct.pack("<IQ", type_id, rel)
        blob = data.reshape(-1).view(torch.uint8)
        blobs.append(blob)
        rel += (blob.numel() + alignment - 1) // alignment * alignment
    header += b"\0" * ((-len(header)) % alignment)
    tmp = "%s.%d.partial" % (path, os.getpid())
    try:
        with open(tmp, "wb") as f:
            f.write(header)
            for blob in blobs:
                raw = _tensor_bytes(blob)
                f.write(raw)
                f.write(b"\0" * ((-len(raw)) % alignment))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _tensor_bytes(t):
    """Bytes of a uint8 CPU tensor without numpy."""
    out = bytearray(t.numel())
    # torch.frombuffer on our own buffer gives a writable view to copy into.
    if t.numel():
        torch.frombuffer(out, dtype=torch.uint8).copy_(t)
    return out


def write_lora_adapter(path, architecture, alpha, pairs, name=None):
    """Writes a GGUF LoRA adapter: `pairs` is a list of (weight_name, A [r, n_in], B [n_out, r]).
    Tensors `W.lora_a` have ne=[n_in, r] and `W.lora_b` ne=[r, n_out] (row-major A and B as they are)."""
    metadata = {"general.architecture": architecture, "general.type": "adapter"}
    if name:
        metadata["general.name"] = name
    metadata["adapter.type"] = "lora"
    metadata["adapter.lora.alpha"] = float(alpha)
    tensors = []
    for weight, a, b in pairs:
        r, n_in = a.shape
        n_out, r2 = b.shape
        if r != r2:
            raise ValueError("%s: A has rank %d but B %d" % (weight, r, r2))
        tensors.append((weight + ".lora_a", a, [n_in, r]))
        tensors.append((weight + ".lora_b", b, [r, n_out]))
    write_gguf(path, metadata, tensors)
