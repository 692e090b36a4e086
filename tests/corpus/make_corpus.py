#!/usr/bin/python3
"""Corrupt-input corpora for the JSON and safetensors readers.

Writes one small file per defect into tests/corpus/json/ and
tests/corpus/safetensors/. tests/test_json.c and tests/test_safetensors.c
keep the table of files and the message each must produce; the fuzz
harnesses take these files as seeds. Run from the repository root:
    /usr/bin/python3 tests/corpus/make_corpus.py
"""
import json
import os
import struct

JSON_DIR = "tests/corpus/json"
ST_DIR = "tests/corpus/safetensors"

JSON_CASES = {
    "empty": b"",
    "only_space": b"  \n\t ",
    "trailing_garbage": b"{} x",
    "two_values": b"1 2",
    "trailing_comma_array": b"[1,2,]",
    "trailing_comma_object": b'{"a":1,}',
    "single_quotes": b"{'a':1}",
    "unquoted_key": b"{a:1}",
    "missing_colon": b'{"a" 1}',
    "missing_comma": b"[1 2]",
    "unterminated_array": b"[1,2",
    "unterminated_object": b'{"a":1',
    "unterminated_string": b'"abc',
    "leading_zero": b"012",
    "plus_sign": b"+1",
    "leading_dot": b".5",
    "dot_without_digits": b"1.",
    "exponent_without_digits": b"1e+",
    "minus_alone": b"-",
    "nan": b"NaN",
    "infinity": b"-Infinity",
    "huge_number": b"1e400",
    "bad_literal": b"tru",
    "capital_literal": b"True",
    "bom": b"\xef\xbb\xbf{}",
    "comment": b"/* c */ {}",
    "lone_high_surrogate": b'"\\ud800"',
    "high_surrogate_then_text": b'"\\ud800abcdef"',
    "lone_low_surrogate": b'"\\udc00"',
    "bad_escape": b'"\\x41"',
    "short_unicode_escape": b'"\\u12"',
    "raw_control_character": b'"a\tb"',
    "raw_newline": b'"a\nb"',
    "invalid_utf8_byte": b'"\xff"',
    "overlong_utf8": b'"\xc0\xaf"',
    "utf8_surrogate": b'"\xed\xa0\x80"',
    "utf8_above_max": b'"\xf4\x90\x80\x80"',
    "truncated_utf8": b'"\xe2\x82"',
    "stray_continuation": b'"\x80"',
    "deep_array": b"[" * 65 + b"]" * 65,
    "deep_object": b'{"a":' * 65 + b"1" + b"}" * 65,
    "duplicate_key": b'{"a":1,"b":2,"a":3}',
}


def st_file(header, data=b"", n=None, pad=True):
    """A safetensors file: header (str or bytes) padded to 8, then data."""
    if isinstance(header, str):
        header = header.encode("utf-8")
    if pad:
        header += b" " * ((8 - len(header) % 8) % 8)
    return struct.pack("<Q", len(header) if n is None else n) + header + data


def entry(dtype="F32", shape=(1,), offsets=(0, 4), **extra):
    e = {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}
    e.update(extra)
    return e


def hdr(d):
    return json.dumps(d, separators=(",", ":"))


ST_CASES = {
    "empty_file": b"",
    "short_file": b"\x05\x00\x00\x00\x00",
    "huge_header_length": struct.pack("<Q", 2 ** 64 - 1) + b"{}      ",
    "header_over_100MB": struct.pack("<Q", 100000001) + b"{}      ",
    "header_beyond_file": st_file("{}", n=1000),
    "truncated_header": st_file('{"w":{"dtype":"F32","sha', pad=False),
    "header_not_json": st_file("hello"),
    "header_not_object": st_file("[1,2,3]"),
    "header_invalid_utf8": st_file(b'{"w\xff":{}}'),
    "header_deep_nesting": st_file(b'{"w":' + b"[" * 70 + b"]" * 70 + b"}"),
    "duplicate_names": st_file('{"w":%s,"w":%s}' % (hdr(entry()), hdr(entry(offsets=(4, 8)))), b"\0" * 8),
    "tensor_not_object": st_file('{"w":5}'),
    "missing_dtype": st_file(hdr({"w": {"shape": [1], "data_offsets": [0, 4]}}), b"\0" * 4),
    "missing_shape": st_file(hdr({"w": {"dtype": "F32", "data_offsets": [0, 4]}}), b"\0" * 4),
    "missing_data_offsets": st_file(hdr({"w": {"dtype": "F32", "shape": [1]}}), b"\0" * 4),
    "extra_field": st_file(hdr({"w": entry(extra=1)}), b"\0" * 4),
    "duplicate_field": st_file('{"w":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}', b"\0" * 4),
    "unknown_dtype": st_file(hdr({"w": entry(dtype="F33")}), b"\0" * 4),
    "lowercase_dtype": st_file(hdr({"w": entry(dtype="f32")}), b"\0" * 4),
    "dtype_not_string": st_file(hdr({"w": entry(dtype=32)}), b"\0" * 4),
    "subbyte_dtype": st_file(hdr({"w": entry(dtype="F4", shape=(2,), offsets=(0, 1))}), b"\0"),
    "shape_not_array": st_file(hdr({"w": {"dtype": "F32", "shape": 1, "data_offsets": [0, 4]}}), b"\0" * 4),
    "negative_dim": st_file(hdr({"w": entry(shape=(-1,))}), b"\0" * 4),
    "fractional_dim": st_file(hdr({"w": entry(shape=(2.5,))}), b"\0" * 4),
    "exponent_dim": st_file('{"w":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}', b"\0" * 4),
    "string_dim": st_file(hdr({"w": entry(shape=("1",))}), b"\0" * 4),
    "too_many_dims": st_file(hdr({"w": entry(shape=(1,) * 9)}), b"\0" * 4),
    "element_count_overflow": st_file(hdr({"w": entry(shape=(65536, 65536, 65536, 65536))}), b"\0" * 4),
    "byte_size_overflow": st_file(hdr({"w": entry(shape=(2 ** 62,))}), b"\0" * 4),
    "offsets_not_pair": st_file(hdr({"w": entry(offsets=(0,))}), b"\0" * 4),
    "offsets_three": st_file(hdr({"w": entry(offsets=(0, 4, 8))}), b"\0" * 4),
    "offsets_negative": st_file(hdr({"w": entry(offsets=(-4, 0))}), b"\0" * 4),
    "offsets_reversed": st_file(hdr({"w": entry(offsets=(8, 4))}), b"\0" * 8),
    "offsets_beyond_buffer": st_file(hdr({"w": entry(shape=(2,), offsets=(0, 8))}), b"\0" * 4),
    "size_mismatch": st_file(hdr({"w": entry(shape=(3,), offsets=(0, 8))}), b"\0" * 8),
    "overlap": st_file(hdr({"a": entry(shape=(2,), offsets=(0, 8)), "b": entry(shape=(2,), offsets=(4, 12))}),
                       b"\0" * 12),
    "hole": st_file(hdr({"a": entry(offsets=(0, 4)), "b": entry(offsets=(8, 12))}), b"\0" * 12),
    "hole_at_start": st_file(hdr({"a": entry(offsets=(4, 8))}), b"\0" * 8),
    "trailing_bytes": st_file(hdr({"a": entry(offsets=(0, 4))}), b"\0" * 8),
    "no_tensors_trailing_bytes": st_file("{}", b"\0" * 3),
    "misaligned": st_file(hdr({"m": entry(dtype="U8", shape=(2,), offsets=(0, 2)),
                               "w": entry(offsets=(2, 6))}), b"\0" * 6),
    "metadata_not_object": st_file(hdr({"__metadata__": ["a"]})),
    "metadata_value_number": st_file(hdr({"__metadata__": {"k": 1}})),
    "metadata_value_null": st_file(hdr({"__metadata__": {"k": None}})),
    "nul_in_name": st_file(hdr({"w\u0000x": entry()}), b"\0" * 4),
    "nul_in_metadata": st_file(hdr({"__metadata__": {"k": "a\u0000b"}})),
}


def main():
    for d, cases, ext in ((JSON_DIR, JSON_CASES, ".json"), (ST_DIR, ST_CASES, ".safetensors")):
        os.makedirs(d, exist_ok=True)
        for name, data in cases.items():
            with open(os.path.join(d, name + ext), "wb") as f:
                f.write(data)
    print("wrote %d JSON and %d safetensors corpus files" % (len(JSON_CASES), len(ST_CASES)))


if __name__ == "__main__":
    main()
