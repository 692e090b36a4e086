"""A safetensors writer for gan99's golden scripts, written by hand (no
safetensors package in Debian's python3): the layout of the reference
writer, huggingface/safetensors, byte for byte for the dtypes used here:

  8 bytes   header length N, little-endian u64
  N bytes   compact JSON: "__metadata__" first (keys sorted, as gan99 does;
            the reference's order is a hash map's), then the tensors sorted
            by descending dtype (the reference's enum order: ... I32, U32,
            F32, C64, F64, I64, U64) then by name; each entry "dtype",
            "shape", "data_offsets"; padded with spaces to a multiple of 8
  the rest  the data, little-endian, in that order

Values: a torch tensor of float32 (F32) or int64 (I64)."""
import json
import os
import struct

import torch

DTYPE_RANK = {'F32': 15, 'I64': 18}


def _dtype(t):
    if t.dtype == torch.float32:
        return 'F32'
    if t.dtype == torch.int64:
        return 'I64'
    raise ValueError('unsupported dtype %s' % t.dtype)


def save(path, tensors, metadata=None):
    items = []
    for name, t in tensors.items():
        t = t.detach().contiguous()
        dt = _dtype(t)
        flat = t.reshape(-1).tolist()
        data = struct.pack('<%d%s' % (len(flat), 'f' if dt == 'F32' else 'q'), *flat)
        items.append((name, dt, list(t.shape), data))
    items.sort(key=lambda e: (-DTYPE_RANK[e[1]], e[0].encode()))
    header, off = {}, 0
    if metadata:
        header['__metadata__'] = {k: metadata[k] for k in sorted(metadata, key=lambda k: k.encode())}
    for name, dt, shape, data in items:
        header[name] = {'dtype': dt, 'shape': shape, 'data_offsets': [off, off + len(data)]}
        off += len(data)
    h = json.dumps(header, separators=(',', ':'), ensure_ascii=False).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for e in items:
            f.write(e[3])
    os.replace(tmp, path)
