#!/usr/bin/env python3
"""Reference values from PyTorch for the nn ops added after the first set
(nn/ops_shape.c narrow/concat/permute, ops_pool.c, ops_resample.c,
ops_dropout.c, ops_norm.c instance/pixel norm, ops_loss.c hinge and
cross-entropy). Same layout as nn_golden.py's ops.safetensors:
  OP.K.cfg, OP.K.in0 .., OP.K.gout, OP.K.out, OP.K.grad.inI
Writes golden/nn/ops2.safetensors.
Run: /usr/bin/python3 golden/tools/nn_ops2_golden.py   (python3-torch 1.13)
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_write  # noqa: E402

torch.manual_seed(20240611)
torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'nn')
T = {}


def rnd(*shape, lo=-1.0, hi=1.0):
    return torch.rand(list(shape)) * (hi - lo) + lo


def away_from(x, points, margin=0.05):
    for p in points:
        near = (x - p).abs() < margin
        x = torch.where(near, p + margin * torch.sign(x - p + 1e-12) * 2, x)
    return x


def case(op, k, cfg, inputs, fn, grad_mask=None):
    ins = [t.clone().requires_grad_(grad_mask is None or grad_mask[i]) for i, t in enumerate(inputs)]
    out = fn(*ins)
    gout = rnd(*out.shape)
    p = '%s.%d.' % (op, k)
    T[p + 'cfg'] = torch.tensor(cfg if cfg else [0.0], dtype=torch.float32)
    for i, t in enumerate(ins):
        T[p + 'in%d' % i] = t.detach().float()
    T[p + 'gout'] = gout
    T[p + 'out'] = out.detach()
    grads = torch.autograd.grad(out, [t for t in ins if t.requires_grad], gout, allow_unused=True)
    gi = iter(grads)
    for i, t in enumerate(ins):
        if t.requires_grad:
            g = next(gi)
            T[p + 'grad.in%d' % i] = torch.zeros_like(t) if g is None else g


# ---- narrow, concat, permute: cfg = dim, start, len / dim / the permutation
for k, (s, dim, start, ln) in enumerate([([2, 5, 3, 4], 1, 1, 3), ([7], 0, 2, 4), ([3, 4, 6], 2, 0, 6)]):
    case('narrow', k, [dim, start, ln], [rnd(*s)], lambda x: torch.narrow(x, dim, start, ln))
for k, (sa, sb, dim) in enumerate([([2, 3, 4, 5], [2, 2, 4, 5], 1), ([3, 4], [3, 2], 1), ([2, 3, 1], [1, 3, 1], 0)]):
    case('concat', k, [dim], [rnd(*sa), rnd(*sb)], lambda a, b: torch.cat([a, b], dim))
for k, (s, perm) in enumerate([([2, 3, 4, 5], [0, 2, 3, 1]), ([3, 4], [1, 0]), ([2, 3, 5], [2, 0, 1])]):
    case('permute', k, perm, [rnd(*s)], lambda x: x.permute(*perm))

# ---- avg_pool2d: cfg = kernel, stride, padding, exclude_pad -----------------
pools = [([2, 3, 8, 8], 2, 2, 0, 0), ([1, 2, 7, 9], 3, 2, 1, 1), ([2, 2, 6, 5], 3, 1, 1, 0), ([1, 1, 5, 4], 2, 1, 1, 1)]
for k, (s, kk, st, pd, ex) in enumerate(pools):
    case('avg_pool2d', k, [kk, st, pd, ex], [rnd(*s)],
         lambda x: F.avg_pool2d(x, kk, st, pd, count_include_pad=not ex))

# ---- upsampling by an integer factor: cfg = scale ---------------------------
for k, (s, sc) in enumerate([([2, 3, 4, 5], 2), ([1, 2, 3, 3], 3), ([1, 1, 1, 2], 2)]):
    case('upsample_nearest', k, [sc], [rnd(*s)], lambda x: F.interpolate(x, scale_factor=sc, mode='nearest'))
for k, (s, sc) in enumerate([([2, 3, 4, 5], 2), ([1, 2, 3, 7], 2), ([1, 1, 1, 1], 2), ([1, 2, 3, 3], 3)]):
    case('upsample_bilinear', k, [sc], [rnd(*s)],
         lambda x: F.interpolate(x, scale_factor=sc, mode='bilinear', align_corners=False))

# ---- dropout: cfg = p; in1 = the keep mask PyTorch drew (out != 0) ----------
for k, (s, p) in enumerate([([2, 3, 4, 5], 0.5), ([64], 0.3), ([3, 7], 0.1)]):
    x = away_from(rnd(*s), [0.0])
    torch.manual_seed(1000 + k)
    mask = (F.dropout(x, p, True) != 0).float()

    def drop(x, m, k=k, p=p):
        torch.manual_seed(1000 + k)  # the same draws again: PyTorch's own dropout
        return F.dropout(x, p, True)
    case('dropout', k, [p], [x, mask], drop, [True, False])

# ---- instance norm: cfg = affine; pixel norm ---------------------------------
for k, (s, affine) in enumerate([([2, 3, 5, 6], 0), ([1, 4, 3, 3], 1), ([3, 2, 7, 1], 0)]):
    c = s[1]
    ins = [rnd(*s, lo=-2, hi=3)] + ([rnd(c, lo=0.5, hi=1.5), rnd(c)] if affine else [])
    case('instance_norm2d', k, [affine], ins,
         lambda x, w=None, b=None: F.instance_norm(x, weight=w, bias=b, eps=1e-5))
for k, s in enumerate([[4, 7], [2, 3, 4, 5], [3, 1]]):
    case('pixel_norm', k, None, [rnd(*s)], lambda x: x * (x.square().mean(dim=1, keepdim=True) + 1e-8).rsqrt())

# ---- losses: hinge (cfg = target), softmax cross-entropy (in1 = classes) ------
for k, (s, tgt) in enumerate([([4], 1), ([2, 3, 4, 5], -1), ([3, 7], 1)]):
    x = away_from(rnd(*s, lo=-3, hi=3), [1.0, -1.0])
    if tgt == 1:
        fn = lambda x: -torch.mean(torch.min(x - 1, torch.zeros_like(x)))  # SPADE's form
    else:
        fn = lambda x: -torch.mean(torch.min(-x - 1, torch.zeros_like(x)))
    case('hinge_loss', k, [tgt], [x], fn)
for k, (s, ts) in enumerate([([4, 5], [4]), ([2, 3, 4, 5], [2, 4, 5]), ([1, 2], [1])]):
    t = torch.randint(0, s[1], ts)
    case('cross_entropy_loss', k, None, [rnd(*s, lo=-4, hi=4), t],
         lambda x, t: F.cross_entropy(x, t.long()), [True, False])

os.makedirs(OUT, exist_ok=True)
st_write.save(os.path.join(OUT, 'ops2.safetensors'), T)
print('ops2.safetensors: %d tensors' % len(T))
