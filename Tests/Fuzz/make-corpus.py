#!/usr/bin/env python3
"""Writes the seed corpus for scripts/fuzz: small valid and broken IDX and
safetensors files, a few hundred bytes each at most.

The files are kept in the repository; this script documents how they were
made and rebuilds them (deterministically: fixed gzip mtime, fixed data).
Run from anywhere: python3 Tests/Fuzz/make-corpus.py
Crash reproducers found by the fuzzers (crash-*, slow-*, oom-*) are added
to the corpus by hand and are not touched here.
"""
import gzip
import io
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(kind, name, data):
    folder = os.path.join(HERE, "corpus", kind)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def gz(data):
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, compresslevel=9, filename="") as f:
        f.write(data)
    return out.getvalue()


def idx(dims, data, magic=b"\x00\x00", dtype=0x08):
    return magic + bytes([dtype, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + data


# --- IDX ---------------------------------------------------------------------
pixels = bytes((i * 37 + 11) % 256 for i in range(2 * 3 * 3))
images = idx([2, 3, 3], pixels)
labels = idx([3], bytes([7, 0, 9]))
write("idx", "images-2x3x3", images)
write("idx", "images-2x3x3.gz", gz(images))
write("idx", "images-1x1x1", idx([1, 1, 1], b"\xff"))
write("idx", "images-1x2x2x2", idx([1, 2, 2, 2], bytes(range(8))))
write("idx", "labels-3", labels)
write("idx", "labels-3.gz", gz(labels))
write("idx", "two-gzip-members.gz", gz(images[:10]) + gz(images[10:]))
write("idx", "empty", b"")
write("idx", "bad-magic", idx([1, 2, 2], bytes(4), magic=b"\x01\x00"))
write("idx", "float-type", idx([1, 2, 2], bytes(16), dtype=0x0D))
write("idx", "zero-dimension", idx([2, 0, 3], b""))
write("idx", "no-dimensions", idx([], b""))
write("idx", "header-cut", images[:9])
write("idx", "data-cut", images[:-5])
write("idx", "trailing-bytes", images + b"\x00\x01")
write("idx", "claims-1e9-images", idx([1_000_000_000, 28, 28], bytes(16)))
write("idx", "claims-overflow", idx([0xFFFFFFFF] * 3, bytes(8)))
write("idx", "gzip-claims-1e9-images.gz", gz(idx([1_000_000_000, 28, 28], bytes(16))))
write("idx", "gzip-cut.gz", gz(images)[:-9])
corrupt = bytearray(gz(images))
corrupt[-6] ^= 0xFF  # CRC32 mismatch
write("idx", "gzip-bad-crc.gz", bytes(corrupt))
write("idx", "gzip-trailing-data.gz", gz(images + b"\x00\x00\x00"))
write("idx", "gzip-magic-only", b"\x1f\x8b")


# --- safetensors -------------------------------------------------------------
def quoted(text):
    return json.dumps(text, ensure_ascii=False, separators=(",", ":"))


def safetensors(tensors, metadata=None):
    """What SafeTensors.encoded() writes: sorted metadata, tensors in order,
    compact JSON, header padded with spaces to a multiple of 8."""
    members = []
    if metadata:
        pairs = ",".join(quoted(k) + ":" + quoted(metadata[k]) for k in sorted(metadata))
        members.append('"__metadata__":{' + pairs + "}")
    offset = 0
    data = b""
    for name, shape, values in tensors:
        end = offset + 4 * len(values)
        members.append(quoted(name) + ':{"dtype":"F32","shape":[' + ",".join(map(str, shape))
                       + '],"data_offsets":[' + str(offset) + "," + str(end) + "]}")
        offset = end
        data += struct.pack("<%df" % len(values), *values)
    return raw_safetensors("{" + ",".join(members) + "}", data)


def raw_safetensors(header, data=b"", pad=True):
    header = header.encode("utf-8")
    if pad:
        header += b" " * ((8 - (8 + len(header)) % 8) % 8)
    return struct.pack("<Q", len(header)) + header + data


write("safetensors", "two-tensors", safetensors(
    [("w", [2, 2], [0.5, -1.0, 2.0, 0.0]), ("b", [2], [1.0, -0.25])], {"note": "seed"}))
write("safetensors", "scalar-and-empty", safetensors([("s", [], [3.0]), ("e", [0, 4], [])]))
write("safetensors", "empty-header", raw_safetensors("{}"))
write("safetensors", "model-2-3-2", safetensors(
    [("layers.0.weight", [3, 2], [0.1 * i for i in range(6)]), ("layers.0.bias", [3], [0.0, 0.5, -0.5]),
     ("layers.1.weight", [2, 3], [-0.1 * i for i in range(6)]), ("layers.1.bias", [2], [0.25, -0.25])],
    {"format": "swift-ann", "layers": "2,3,2", "activation": "relu", "output": "softmax",
     "loss": "cross-entropy"}))
write("safetensors", "too-short", b"\x08\x00\x00")
write("safetensors", "header-length-beyond-file", struct.pack("<Q", 1000) + b"{}")
write("safetensors", "header-length-huge", struct.pack("<Q", 1 << 62) + b"{}")
write("safetensors", "not-json", raw_safetensors('{"w":'))
write("safetensors", "not-an-object", raw_safetensors("[1,2]"))
write("safetensors", "duplicate-key", raw_safetensors(
    '{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}',
    bytes(4)))
write("safetensors", "f16-dtype", raw_safetensors('{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}', bytes(4)))
write("safetensors", "offsets-outside", raw_safetensors('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', bytes(4)))
write("safetensors", "offsets-overlap", raw_safetensors(
    '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}',
    bytes(12)))
write("safetensors", "offsets-gap", raw_safetensors(
    '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}',
    bytes(12)))
write("safetensors", "claims-2e62-bytes", raw_safetensors(
    '{"w":{"dtype":"F32","shape":[1152921504606846976],"data_offsets":[0,4611686018427387904]}}', bytes(8)))
write("safetensors", "shape-overflow", raw_safetensors(
    '{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}'))
write("safetensors", "metadata-not-string", raw_safetensors('{"__metadata__":{"epochs":10}}'))
write("safetensors", "escapes-and-unicode", safetensors(
    [("\u00e9\\\"\n\u2028\U0001F600", [1], [float("nan")])], {"k\t": "v\u0000"}))
write("safetensors", "deep-nesting", raw_safetensors("[" * 80 + "]" * 80))
write("safetensors", "model-bad-layers", safetensors(
    [("layers.0.weight", [1, 1], [1.0]), ("layers.0.bias", [1], [0.0])],
    {"layers": "1,x", "activation": "tanh", "output": "linear", "loss": "mse"}))
