#!/usr/bin/env python3
"""Reference values from PyTorch for the hardening of nn/'s core
(tests/test_nn_harden.c):

  act.*        relu and leaky relu (slopes 0.2 and 0) forward and backward
               on signed zeros, infinities, NaNs with payloads, subnormals
               and ordinary values, as float bits (F32 tensors written from
               numpy's bytes, so NaN payloads survive); 41 elements, so
               every SIMD width leaves a tail.
  hinge.*      SPADE's D hinge loss mean(relu(1 - x)) with a NaN in x: the
               loss and its gradient.
  optim.*      torch.optim.SGD (momentum) and Adam with weight_decay, and
               two parameter groups with different learning rates
               (lr and lr * scale), 3 steps with given gradients.
  resize_bilinear.K.*   F.interpolate(size=(h, w), mode='bilinear',
               align_corners=...) forward and input gradient, up and down,
               odd sizes, size 1; cfg = [height, width, align_corners]
               (the layout of tests/nn_golden.h's harness).

Writes golden/nn/harden.safetensors.
Run: /usr/bin/python3 golden/tools/nn_harden_golden.py   (python3-torch 1.13)
"""
import json
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(20261203)
torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'nn')
T = {}


def save(path, tensors):
    """safetensors, F32 only, the layout of st_write.py (tensors sorted by
    name, compact header padded to 8), but the data taken from numpy's
    bytes rather than Python floats, so NaN payloads are kept exactly."""
    items = sorted(tensors.items(), key=lambda e: e[0].encode())
    header, off, blobs = {}, 0, []
    for name, t in items:
        a = np.ascontiguousarray(t.detach().numpy().astype('<f4'))
        data = a.tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [off, off + len(data)]}
        off += len(data)
        blobs.append(data)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for d in blobs:
            f.write(d)
    os.replace(tmp, path)


def from_bits(bits):
    return torch.from_numpy(np.array(bits, dtype=np.uint32).view(np.float32).copy())


# ---- relu and leaky relu on special values ----------------------------------
specials = [0x80000000, 0x00000000, 0x7FC12345, 0xFFC00001, 0x7F800000, 0xFF800000,
            0xBF800000, 0x40000000, 0x00000001, 0x80000001, 0x7FC00000, 0x3E4CCCCD]
rest = torch.rand(41 - len(specials)) * 4 - 2
x = torch.cat([from_bits(specials), rest])
dy_bits = [0x40400000, 0xC0400000, 0x7FC0BEEF, 0x7F800000, 0xFF800000, 0x80000000,
           0x7FC00007, 0x3F800000, 0xFF800000, 0x7FC00009, 0x40A00000, 0x7FC000AA]
dy = torch.cat([from_bits(dy_bits), torch.rand(41 - len(dy_bits)) * 4 - 2])
T['act.x'], T['act.dy'] = x, dy
for name, f in [('relu', torch.relu),
                ('lrelu02', lambda t: F.leaky_relu(t, 0.2)),
                ('lrelu0', lambda t: F.leaky_relu(t, 0.0))]:
    xi = x.clone().requires_grad_(True)
    y = f(xi)
    (g,) = torch.autograd.grad(y, xi, dy)
    T['act.%s.y' % name], T['act.%s.dx' % name] = y.detach(), g

# ---- the hinge loss with a NaN from D ----------------------------------------
xh = torch.tensor([0.5, -2.0, float('nan'), 1.5, 3.0]).requires_grad_(True)
loss = torch.relu(xh * -1.0 + 1.0).mean()
(gh,) = torch.autograd.grad(loss, xh)
T['hinge.x'], T['hinge.loss'], T['hinge.grad'] = xh.detach(), loss.detach().reshape(1), gh


# ---- optimizers: weight decay and two parameter groups ----------------------
def optim_case(name, make, lr, scale):
    """p0 [3,4] ("a.weight") in a group with lr, p1 [5] ("b.bias") in one
    with lr * scale (scale 1: one group)."""
    p0, p1 = torch.nn.Parameter(torch.rand(3, 4) * 2 - 1), torch.nn.Parameter(torch.rand(5) * 2 - 1)
    T[name + '.p0'], T[name + '.p1'] = p0.detach().clone(), p1.detach().clone()
    opt = make([{'params': [p0], 'lr': lr}, {'params': [p1], 'lr': lr * scale}])
    for step in range(3):
        g0, g1 = torch.rand(3, 4) * 2 - 1, (torch.rand(5) * 2 - 1) * 10 ** (step - 1)
        T['%s.g0.%d' % (name, step)], T['%s.g1.%d' % (name, step)] = g0, g1
        p0.grad, p1.grad = g0.clone(), g1.clone()
        opt.step()
        T['%s.p0.%d' % (name, step)], T['%s.p1.%d' % (name, step)] = p0.detach().clone(), p1.detach().clone()


optim_case('optim.sgd_wd', lambda g: torch.optim.SGD(g, lr=0.1, momentum=0.9, weight_decay=0.05), 0.1, 1.0)
optim_case('optim.adam_wd', lambda g: torch.optim.Adam(g, lr=0.01, betas=(0.5, 0.999), eps=1e-8,
                                                       weight_decay=0.05), 0.01, 1.0)
optim_case('optim.sgd_groups', lambda g: torch.optim.SGD(g, lr=0.1, momentum=0.9), 0.1, 0.25)
optim_case('optim.adam_groups', lambda g: torch.optim.Adam(g, lr=0.01, betas=(0.5, 0.999), eps=1e-8,
                                                           weight_decay=0.01), 0.01, 0.125)


# ---- bilinear resizing to any size, both align_corners settings -------------
def case(op, k, cfg, xin, fn):
    xi = xin.clone().requires_grad_(True)
    out = fn(xi)
    gout = torch.rand(out.shape) * 2 - 1
    p = '%s.%d.' % (op, k)
    T[p + 'cfg'] = torch.tensor(cfg, dtype=torch.float32)
    T[p + 'in0'] = xin
    T[p + 'gout'] = gout
    T[p + 'out'] = out.detach()
    (g,) = torch.autograd.grad(out, xi, gout)
    T[p + 'grad.in0'] = g


sizes = [((3, 5), (7, 4)), ((6, 7), (3, 2)), ((4, 4), (1, 1)), ((2, 3), (5, 9)),
         ((5, 5), (5, 5)), ((8, 6), (16, 12)), ((1, 4), (3, 7)), ((9, 11), (4, 13))]
k = 0
for (h, w), (ho, wo) in sizes:
    for align in (False, True):
        xin = torch.rand(2, 3, h, w) * 2 - 1
        case('resize_bilinear', k, [ho, wo, 1.0 if align else 0.0], xin,
             lambda t: F.interpolate(t, size=(ho, wo), mode='bilinear', align_corners=align))
        k += 1

os.makedirs(OUT, exist_ok=True)
save(os.path.join(OUT, 'harden.safetensors'), T)
print('harden.safetensors: %d tensors' % len(T))
