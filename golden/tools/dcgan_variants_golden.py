#!/usr/bin/env python3
"""G's output against PyTorch from model files gan99 wrote:
golden/nn/dcgan32_G.safetensors and dcgan28_G.safetensors are written by
gan99 itself (tests/test_train.c regenerates them and checks the bytes).
This script reads them with a small safetensors reader (Debian has no
safetensors package), loads them into the PyTorch models of doc/models.md §1
with load_state_dict(strict=True) as they stand, draws z, and runs G in
train mode (batch statistics, as the reference draws its samples).

  32x32: the reference less its widest stage (nz 8, ngf 4, nc 3)
  28x28: the TensorFlow tutorial in PyTorch terms (nz 8, ngf 2, nc 1):
         Linear(no bias) BatchNorm1d LeakyReLU(0.3) Unflatten ConvT(5,1,2)
         BN LReLU ConvT(5,2,2,op 1) BN LReLU ConvT(5,2,2,op 1) Tanh

Writes golden/nn/dcgan32_sample.safetensors and dcgan28_sample.safetensors:
z [4,nz,1,1] and out [4,nc,S,S].
Run: /usr/bin/python3 golden/tools/dcgan_variants_golden.py   (python3-torch 1.13)
"""
import json
import os
import struct
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_write  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'nn')
torch.manual_seed(6)
torch.set_num_threads(1)


def st_read(path):
    with open(path, 'rb') as f:
        data = f.read()
    n = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop('__metadata__', {})
    base = 8 + n
    out = {}
    for name, e in header.items():
        a, b = e['data_offsets']
        raw = data[base + a:base + b]
        if e['dtype'] == 'F32':
            vals = struct.unpack('<%df' % (len(raw) // 4), raw)
            out[name] = torch.tensor(vals, dtype=torch.float32).reshape(e['shape'])
        elif e['dtype'] == 'I64':
            vals = struct.unpack('<%dq' % (len(raw) // 8), raw)
            out[name] = torch.tensor(vals, dtype=torch.int64).reshape(e['shape'])
        else:
            raise ValueError(e['dtype'])
    return out, meta


class Net(nn.Module):
    def __init__(self, main):
        super().__init__()
        self.main = main

    def forward(self, x):
        return self.main(x)


def g32(nz, ngf, nc):
    return Net(nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
        nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh()))


class Flat(nn.Module):
    """z [N,nz,1,1] -> [N,nz]: gan99's G takes the reference's z shape."""
    def forward(self, x):
        return x.reshape(x.shape[0], -1)


def g28(nz, ngf, nc):
    seq = nn.Sequential(
        nn.Linear(nz, 49 * 4 * ngf, bias=False), nn.BatchNorm1d(49 * 4 * ngf), nn.LeakyReLU(0.3),
        nn.Unflatten(1, (4 * ngf, 7, 7)),
        nn.ConvTranspose2d(4 * ngf, 2 * ngf, 5, 1, 2, bias=False), nn.BatchNorm2d(2 * ngf), nn.LeakyReLU(0.3),
        nn.ConvTranspose2d(2 * ngf, ngf, 5, 2, 2, output_padding=1, bias=False), nn.BatchNorm2d(ngf),
        nn.LeakyReLU(0.3),
        nn.ConvTranspose2d(ngf, nc, 5, 2, 2, output_padding=1, bias=False), nn.Tanh())
    net = Net(seq)
    return net, lambda z: net(Flat()(z))


for size in (32, 28):
    sd, meta = st_read(os.path.join(OUT, 'dcgan%d_G.safetensors' % size))
    cfg = json.loads(meta['gan99.config'])
    assert meta['gan99.arch'] == 'dcgan' and cfg['size'] == size
    if size == 32:
        net = g32(cfg['nz'], cfg['ngf'], cfg['nc'])
        run = net
    else:
        net, run = g28(cfg['nz'], cfg['ngf'], cfg['nc'])
    net.load_state_dict(sd, strict=True)
    net.train()
    z = torch.randn(4, cfg['nz'], 1, 1)
    with torch.no_grad():
        out = run(z)
    st_write.save(os.path.join(OUT, 'dcgan%d_sample.safetensors' % size), {'z': z, 'out': out})
    print('dcgan%d: out %s, |out| max %.4f' % (size, tuple(out.shape), out.abs().max().item()))
