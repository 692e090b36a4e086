#!/usr/bin/env python3
"""Goldens of gan99's autoencoder (gan/autoencoder.c, doc/models.md §2.2)
and of nn_max_pool2d, from PyTorch (python3-torch 1.13).

The autoencoder is written here as the PyTorch module gan99's state_dict
names describe: two nn.Sequential, `encoder` and `decoder`, numbered as
PyTorch numbers them (every module counts):
  encoder stage i: Conv2d(4, 2, 1, bias=False) [BatchNorm2d unless i = 0]
                   LeakyReLU(0.2) Dropout(p)
     --pool:       Conv2d(3, 1, 1, bias=False) [BN] LeakyReLU(0.2) MaxPool2d(2) Dropout(p)
  decoder stage j: ConvTranspose2d(4, 2, 1, bias=False) BatchNorm2d ReLU;
                   the last ConvTranspose2d(bias=True) then Tanh
widths nf * min(2^i, 8); init conv weights N(0, 0.02), BN gamma N(1, 0.02),
biases 0 (DCGAN's weights_init, pix2pix's init_weights('normal')).

Writes golden/autoencoder/:
  max_pool.safetensors    per case K: pool.K.cfg [kernel, stride, padding],
                          pool.K.in0, pool.K.gout, pool.K.out, pool.K.grad.in0
                          (ties, padding, overlapping windows), and
                          poolinf.0.*: a window of -infs
  CASE_init.safetensors   the initial state_dict with gan99's model-file
                          metadata (gan99.arch "autoencoder", gan99.config)
  CASE_train.safetensors  input [4,C,H,W] (also the target), keep.S.I the
                          dropout keep masks of step S, stage I (replayed by
                          gan99), out (step 0's forward), loss [3,2] (L1, MSE
                          of each step's forward), grad.<key> (step 0),
                          after.<key> (the state_dict after 3 Adam steps)
  CASE a: 32x32, 3 channels, nf 4, depth 3 (the default), strided, dropout
          0.5, trained on L1.
  CASE b: width 32, height 64, 1 channel, nf 4, depth 3 (default), --pool,
          no dropout, trained on MSE.

Run: /usr/bin/python3 golden/tools/autoencoder_golden.py
Check a gan99 model file loads into this module (strict=True) and runs:
     /usr/bin/python3 golden/tools/autoencoder_golden.py --check RUN/model.safetensors
"""
import json
import os
import re
import struct
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_write  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'autoencoder')
with open(os.path.join(HERE, '..', '..', 'base', 'base.h')) as f:
    VERSION = re.search(r'#define GAN99_VERSION "([^"]*)"', f.read()).group(1)


class ReplayDropout(nn.Module):
    """nn.Dropout with the keep mask given (no parameters, so the state_dict
    is nn.Dropout's): x * (mask / (1 - p)) as torch's dropout computes it."""
    def __init__(self, p):
        super().__init__()
        self.p = p
        self.mask = None

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        noise = self.mask.clone().float()
        noise.div_(1 - self.p)
        return x * noise


def default_depth(w, h):
    d = 0
    while d < 12 and w % 2 == 0 and h % 2 == 0 and min(w, h) >= 8:
        w, h, d = w // 2, h // 2, d + 1
    return d


def width(nf, i):
    return nf * min(2 ** i, 8)


class Autoencoder(nn.Module):
    def __init__(self, channels, nf, depth, pool, p=0.0, replay=False):
        super().__init__()
        enc, dec = [], []
        for i in range(depth):
            cin = channels if i == 0 else width(nf, i - 1)
            if pool:
                enc.append(nn.Conv2d(cin, width(nf, i), 3, 1, 1, bias=False))
            else:
                enc.append(nn.Conv2d(cin, width(nf, i), 4, 2, 1, bias=False))
            if i:
                enc.append(nn.BatchNorm2d(width(nf, i)))
            enc.append(nn.LeakyReLU(0.2, True))
            if pool:
                enc.append(nn.MaxPool2d(2))
            enc.append(ReplayDropout(p) if replay else nn.Dropout(p))
        for j in range(depth):
            last = j == depth - 1
            cout = channels if last else width(nf, depth - 2 - j)
            dec.append(nn.ConvTranspose2d(width(nf, depth - 1 - j), cout, 4, 2, 1, bias=last))
            if last:
                dec.append(nn.Tanh())
            else:
                dec += [nn.BatchNorm2d(cout), nn.ReLU(True)]
        self.encoder = nn.Sequential(*enc)
        self.decoder = nn.Sequential(*dec)

    def forward(self, x):
        return self.decoder(self.encoder(x))


def weights_init(m):
    name = m.__class__.__name__
    if name.find('Conv') != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
        if m.bias is not None:
            nn.init.constant_(m.bias.data, 0.0)
    elif name.find('BatchNorm') != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0.0)


def config_json(c):
    keys = {'channels': c['channels'], 'depth': c['depth'], 'height': c['height'], 'nf': c['nf'],
            'pool': c['pool'], 'width': c['width']}
    return '{' + ','.join('"%s":%d' % (k, keys[k]) for k in sorted(keys)) + '}'


def pool_cases():
    torch.manual_seed(7)
    T = {}
    cases = []
    x = torch.randn(2, 3, 6, 8)
    cases.append(((2, 2, 0), x))
    # ties: integer values in a small range, so windows hold equal maxima
    cases.append(((2, 2, 0), torch.randint(-2, 3, (2, 2, 6, 6)).float()))
    cases.append(((3, 2, 1), torch.randn(1, 2, 7, 9)))               # overlapping windows, padding
    cases.append(((3, 1, 1), torch.randint(-1, 2, (1, 2, 5, 5)).float()))
    xi = torch.randn(1, 1, 4, 4)
    xi[0, 0, 0:2, 0:2] = -float('inf')                               # a window of -infs
    for k, ((ks, st, pd), x) in enumerate(cases + [((2, 2, 0), xi)]):
        op = 'pool' if k < len(cases) else 'poolinf'                 # infinities: compared bit for bit
        k = k if k < len(cases) else 0
        x = x.clone().requires_grad_(True)
        y = nn.functional.max_pool2d(x, ks, st, pd)
        g = torch.randn(y.shape)
        y.backward(g)
        T['%s.%d.cfg' % (op, k)] = torch.tensor([ks, st, pd], dtype=torch.float32)
        T['%s.%d.in0' % (op, k)] = x.detach()
        T['%s.%d.gout' % (op, k)] = g
        T['%s.%d.out' % (op, k)] = y.detach()
        T['%s.%d.grad.in0' % (op, k)] = x.grad.clone()
    st_write.save(os.path.join(OUT, 'max_pool.safetensors'), T)


def train_case(name, c, seed):
    torch.manual_seed(seed)
    net = Autoencoder(c['channels'], c['nf'], c['depth'], c['pool'], c['dropout'], replay=True)
    net.apply(weights_init)
    meta = {'gan99.arch': 'autoencoder', 'gan99.config': config_json(c), 'gan99.version': VERSION}
    st_write.save(os.path.join(OUT, name + '_init.safetensors'),
                  {k: v.clone() for k, v in net.state_dict().items()}, meta)
    x = torch.rand(4, c['channels'], c['height'], c['width']) * 2 - 1
    T = {'input': x}
    drops = [m for m in net.encoder if isinstance(m, ReplayDropout)]
    opt = torch.optim.Adam(net.parameters(), lr=2e-4, betas=(0.5, 0.999))
    losses = torch.zeros(3, 2)
    for step in range(3):
        # the keep masks of this step, one per stage, shaped as the stage's output
        h = x
        with torch.no_grad():
            net.eval()
            shapes = []
            for m in net.encoder:
                h = m(h)
                if isinstance(m, ReplayDropout):
                    shapes.append(h.shape)
            net.train()
        for i, (m, s) in enumerate(zip(drops, shapes)):
            m.mask = torch.bernoulli(torch.full(s, 1 - c['dropout']))
            T['keep.%d.%d' % (step, i)] = m.mask.clone()
        net.zero_grad()
        out = net(x)
        l1 = nn.functional.l1_loss(out, x)
        mse = nn.functional.mse_loss(out, x)
        (mse if c['loss'] == 'mse' else l1).backward()
        if step == 0:
            T['out'] = out.detach().clone()
            for k, p in net.named_parameters():
                T['grad.' + k] = p.grad.clone()
        opt.step()
        losses[step] = torch.tensor([l1.item(), mse.item()])
    T['loss'] = losses
    for k, v in net.state_dict().items():
        T['after.' + k] = v.clone()
    st_write.save(os.path.join(OUT, name + '_train.safetensors'), T)
    print(name, 'losses (l1, mse) per step:', losses.tolist())


def read_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    n = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop('__metadata__', {})
    base = 8 + n
    out = {}
    for k, e in header.items():
        b, end = e['data_offsets']
        fmt = {'F32': 'f', 'I64': 'q'}[e['dtype']]
        vals = struct.unpack('<%d%s' % ((end - b) // struct.calcsize(fmt), fmt), data[base + b:base + end])
        t = torch.tensor(vals, dtype=torch.float32 if fmt == 'f' else torch.int64)
        out[k] = t.reshape(e['shape'])
    return out, meta


def check(path):
    sd, meta = read_safetensors(path)
    assert meta.get('gan99.arch') == 'autoencoder', meta
    c = json.loads(meta['gan99.config'])
    net = Autoencoder(c['channels'], c['nf'], c['depth'], c['pool'])
    net.load_state_dict(sd, strict=True)
    x = torch.rand(2, c['channels'], c['height'], c['width']) * 2 - 1
    net.eval()
    with torch.no_grad():
        y = net(x)
    print('%s: loaded with strict=True (%d tensors, config %s); eval output %s in [%.3f, %.3f]'
          % (path, len(sd), meta['gan99.config'], list(y.shape), y.min().item(), y.max().item()))


if __name__ == '__main__':
    torch.set_num_threads(1)
    if len(sys.argv) == 3 and sys.argv[1] == '--check':
        check(sys.argv[2])
        sys.exit(0)
    os.makedirs(OUT, exist_ok=True)
    pool_cases()
    train_case('a', {'width': 32, 'height': 32, 'channels': 3, 'nf': 4, 'depth': default_depth(32, 32),
                     'pool': 0, 'dropout': 0.5, 'loss': 'l1'}, 11)
    train_case('b', {'width': 32, 'height': 64, 'channels': 1, 'nf': 4, 'depth': default_depth(32, 64),
                     'pool': 1, 'dropout': 0.0, 'loss': 'mse'}, 12)
