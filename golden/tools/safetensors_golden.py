#!/usr/bin/python3
"""Golden safetensors files for tests/test_safetensors.c.

Writes golden/safetensors/{mixed,f32only}.safetensors and expected.txt.

The files are built by hand with struct and json, exactly as the reference
writer (huggingface/safetensors, safetensors/src/tensor.rs) lays them out:
  - 8-byte little-endian header length N;
  - the header as serde_json prints it: no spaces, "__metadata__" first,
    then one {"dtype","shape","data_offsets"} entry per tensor; strings
    escape only '"', '\\' and control characters (\\b \\f \\n \\r \\t, else
    \\u00xx lowercase), exactly what json.dumps(ensure_ascii=False) does;
  - header padded with spaces to a multiple of 8;
  - tensors ordered by descending dtype (the reference's Dtype enum order),
    then by name in byte order; data little-endian.
The reference stores metadata in a hash map, so its key order is random
(safetensors issue #584); these files use sorted keys, one of its orders.

Debian has no python3-safetensors. When the package is importable, the
script also reads every file back with it and checks the values, so the
hand-built files are confirmed by the reference reader.

Values are hand-derivable (arange-based formulas, listed in expected.txt)
so tests/test_safetensors.c recomputes them without reading this script.

Run: /usr/bin/python3 golden/tools/safetensors_golden.py   (from the repo root)
"""
import json
import os
import struct

import numpy as np

OUT = "golden/safetensors"

# The reference's Dtype enum order; writers sort tensors by descending rank.
DTYPE_ORDER = ["BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0",
               "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64"]


def f32(values, shape):
    return ("F32", shape, np.asarray(values, dtype="<f4").reshape(shape).tobytes())


def write_safetensors(path, tensors, metadata):
    """tensors: name -> (dtype, shape, little-endian bytes)."""
    order = sorted(tensors, key=lambda n: (-DTYPE_ORDER.index(tensors[n][0]), n.encode("utf-8")))
    header = {}
    if metadata is not None:
        header["__metadata__"] = {k: metadata[k] for k in sorted(metadata, key=lambda k: k.encode("utf-8"))}
    offset = 0
    for name in order:
        dtype, shape, data = tensors[name]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name in order:
            f.write(tensors[name][2])
    return order


def mixed():
    half = np.array([0.0, -0.0, 1.0, -2.5, 65504.0, 2.0 ** -24, np.inf, 0.1], dtype="<f2").reshape(2, 4)
    bf16_bits = [0x3F80, 0xC040, 0x4049, 0x0001, 0xFF80]
    tensors = {
        "scalar": f32([3.25], []),
        "empty": f32([], [0, 3]),
        "vec7": f32([i * 0.5 - 1.5 for i in range(7)], [7]),
        "conv.weight": f32([(i - 15) / 8 for i in range(30)], [2, 3, 1, 5]),
        "odd": f32([np.float32(i * 1.1) for i in range(15)], [3, 5]),
        "half": ("F16", [2, 4], half.tobytes()),
        "bf": ("BF16", [5], struct.pack("<5H", *bf16_bits)),
        "dbl": ("F64", [4], np.array([1 / 3, 0.1, 1e300, -1e-50], dtype="<f8").tobytes()),
        "steps": ("I64", [2], struct.pack("<2q", 7, -1)),
        "mask": ("U8", [3], bytes([1, 0, 255])),
    }
    metadata = {
        "gan99.arch": "dcgan",
        "note": "quote \" backslash \\ newline \n tab \t unicode \u00e9 \u2713 \U0001F642 ctrl \x01",
    }
    return tensors, metadata


def f32only():
    tensors = {
        "b": f32([2.0 ** -149, -0.0, np.finfo(np.float32).max, np.float32(1 / 3)], [2, 2]),
        "a.weight": f32([i * 0.125 - 1 for i in range(12)], [3, 1, 2, 2]),
        "A": f32([-7.5], []),
        "z": f32([], [0]),
        "main.0.bias": f32([np.float32(i * 1.1) for i in range(5)], [5]),
    }
    metadata = {
        "gan99.version": "0.1.0",
        "gan99.arch": "dcgan",
        "gan99.config": json.dumps({"z_dim": 100, "ngf": 64}, separators=(",", ":")),
        "zz.escapes": "\" \\ \b \f \n \r \t \x01 \x1f \x7f / \u00e9 \U0001F642",
    }
    return tensors, metadata


def cross_check(path, tensors, metadata):
    try:
        from safetensors import safe_open
    except ImportError:
        return False
    with safe_open(path, framework="np") as f:
        assert f.metadata() == metadata, path
        for name, (dtype, shape, data) in tensors.items():
            if dtype == "BF16":
                continue  # numpy has no bfloat16
            assert f.get_tensor(name).tobytes() == data, (path, name)
    return True


def main():
    os.makedirs(OUT, exist_ok=True)
    lines = ["# Content of the golden safetensors files (written by golden/tools/safetensors_golden.py).",
             "# i runs over the elements in row-major order; f32(x) rounds a double to float32.", ""]
    checked = []
    for stem, make in (("mixed", mixed), ("f32only", f32only)):
        tensors, metadata = make()
        path = os.path.join(OUT, stem + ".safetensors")
        order = write_safetensors(path, tensors, metadata)
        if cross_check(path, tensors, metadata):
            checked.append(path)
        lines.append("%s.safetensors (%d bytes)" % (stem, os.path.getsize(path)))
        for k in sorted(metadata):
            lines.append("  metadata %s = %s" % (k, json.dumps(metadata[k], ensure_ascii=False)))
        for name in order:
            dtype, shape, data = tensors[name]
            lines.append("  tensor %s %s %s %d bytes: %s" % (name, dtype, shape, len(data), data.hex()))
        lines.append("")
    lines += [
        "Formulas:",
        "  mixed:   scalar = 3.25; empty = []; vec7[i] = i*0.5 - 1.5; conv.weight[i] = (i - 15)/8;",
        "           odd[i] = f32(i*1.1); half = f16 [0, -0, 1, -2.5, 65504, 2^-24, inf, 0.1];",
        "           bf = bf16 bits [3F80 C040 4049 0001 FF80] = [1, -3, 3.140625, 2^-133, -inf];",
        "           dbl = f64 [1/3, 0.1, 1e300, -1e-50] (as float: 0x3EAAAAAB, 0x3DCCCCCD, inf, -0);",
        "           steps = i64 [7, -1]; mask = u8 [1, 0, 255]",
        "  f32only: A = -7.5; a.weight[i] = i*0.125 - 1; b = [2^-149, -0, FLT_MAX, f32(1/3)];",
        "           main.0.bias[i] = f32(i*1.1); z = []",
    ]
    with open(os.path.join(OUT, "expected.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %s/{mixed,f32only}.safetensors; checked with the safetensors package: %s"
          % (OUT, ", ".join(checked) if checked else "no (not installed)"))


if __name__ == "__main__":
    main()
