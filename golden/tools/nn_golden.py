#!/usr/bin/env python3
"""Reference values for gan99's nn core ops (nn/ops_*.c) from PyTorch.

Writes golden/nn/ops.safetensors: for every op and configuration "OP.K" the
tensors
  OP.K.cfg        the configuration as float32 (stride, padding, ... per op)
  OP.K.in0 ..     the inputs and parameters
  OP.K.gout       the upstream gradient (random, so every element counts)
  OP.K.out        the output
  OP.K.grad.in0 . the gradient of sum(out * gout) w.r.t. each input that
                  takes one (float32, as PyTorch computes it on the CPU)
Batch norm adds OP.K.rm/.rv (running stats before) and .rm_after/.rv_after.
Also golden/nn/r1.safetensors: the R1 penalty of a small D (see r1_case).

The file is safetensors written by hand (struct + json): 8-byte LE header
length, the JSON header {name: {dtype, shape, data_offsets}} padded with
spaces to a multiple of 8, then LE float32 data.
Run: /usr/bin/python3 golden/tools/nn_golden.py   (python3-torch 1.13)
"""
import json
import os
import struct

import torch
import torch.nn.functional as F

torch.manual_seed(20240603)
torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'nn')


def save_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        a = t.detach().to(torch.float32).contiguous().reshape(-1).tolist()
        b = struct.pack('<%df' % len(a), *a)
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


T = {}


def rnd(*shape, lo=-1.0, hi=1.0):
    return torch.rand(list(shape)) * (hi - lo) + lo


def away_from(x, points, margin=0.05):
    """Pushes values within margin of a kink (relu at 0 ...) out of the way,
    so finite differences and PyTorch's subgradient conventions agree."""
    for p in points:
        near = (x - p).abs() < margin
        x = torch.where(near, p + margin * torch.sign(x - p + 1e-12) * 2, x)
    return x


def case(op, k, cfg, inputs, fn, grad_mask=None):
    """inputs: list of tensors; fn(*inputs) -> output. Records everything."""
    ins = [t.clone().requires_grad_(grad_mask is None or grad_mask[i]) for i, t in enumerate(inputs)]
    out = fn(*ins)
    gout = rnd(*out.shape)
    p = '%s.%d.' % (op, k)
    T[p + 'cfg'] = torch.tensor(cfg if cfg else [0.0], dtype=torch.float32)
    for i, t in enumerate(ins):
        T[p + 'in%d' % i] = t.detach()
    T[p + 'gout'] = gout
    T[p + 'out'] = out.detach()
    grads = torch.autograd.grad(out, [t for t in ins if t.requires_grad], gout, allow_unused=True)
    gi = iter(grads)
    for i, t in enumerate(ins):
        if t.requires_grad:
            g = next(gi)
            T[p + 'grad.in%d' % i] = torch.zeros_like(t) if g is None else g
    return out


# ---- binary with broadcasting -------------------------------------------
shapes = [([2, 3, 4, 5], [1, 3, 1, 1]), ([3, 4], [4]), ([2, 3, 5], [2, 3, 5]), ([1, 3, 1], [4, 1, 2])]
for k, (sa, sb) in enumerate(shapes):
    a, b = rnd(*sa), rnd(*sb)
    case('add', k, None, [a, b], lambda a, b: a + b)
    case('sub', k, None, [a, b], lambda a, b: a - b)
    case('mul', k, None, [a, b], lambda a, b: a * b)
    case('div', k, None, [a, rnd(*sb, lo=0.5, hi=2.0) * (1 - 2 * (torch.rand(*sb) < 0.3))],
         lambda a, b: a / b)

# ---- unary ----------------------------------------------------------------
ushapes = [[2, 3, 4, 5], [7], [3, 1, 2, 9]]
unary = {
    'scale': ([-1.5], lambda x: x * -1.5, (-2, 2), []),
    'add_scalar': ([0.7], lambda x: x + 0.7, (-2, 2), []),
    'div_scalar': ([3.0], lambda x: x / 3.0, (-2, 2), []),
    'square': (None, lambda x: x * x, (-2, 2), []),
    'sqrt': (None, torch.sqrt, (0.1, 4), []),
    'rsqrt': (None, torch.rsqrt, (0.1, 4), []),
    'abs': (None, torch.abs, (-2, 2), [0.0]),
    'exp': (None, torch.exp, (-4, 4), []),
    'log': (None, torch.log, (0.05, 5), []),
    'relu': (None, F.relu, (-2, 2), [0.0]),
    'leaky_relu': ([0.2], lambda x: F.leaky_relu(x, 0.2), (-2, 2), [0.0]),
    'tanh': (None, torch.tanh, (-4, 4), []),
    'sigmoid': (None, torch.sigmoid, (-8, 8), []),
    'softplus': (None, F.softplus, (-25, 25), [20.0]),
    'clamp': ([-0.5, 0.8], lambda x: torch.clamp(x, -0.5, 0.8), (-2, 2), [-0.5, 0.8]),
}
for name, (cfg, fn, (lo, hi), kinks) in unary.items():
    for k, s in enumerate(ushapes):
        case(name, k, cfg, [away_from(rnd(*s, lo=lo, hi=hi), kinks)], fn)

# ---- reductions -----------------------------------------------------------
for k, (s, to) in enumerate([([2, 3, 4, 5], [1, 3, 1, 1]), ([5, 7], [7]), ([3, 2, 33], [3, 1, 1]),
                             ([2, 3, 4, 5], [2, 1, 4, 1])]):
    x = rnd(*s)
    case('sum', k, None, [x], lambda x: x.sum())
    case('mean', k, None, [x], lambda x: x.mean())
    # sum_to / mean_to: cfg = the target shape
    dims = [i for i in range(len(s)) if i >= len(s) - len(to) and to[i - len(s) + len(to)] == 1 and s[i] != 1]
    lead = list(range(len(s) - len(to)))
    case('sum_to', k, to, [x], lambda x: x.sum(dim=lead + dims, keepdim=True).reshape(to))
    case('mean_to', k, to, [x], lambda x: x.mean(dim=lead + dims, keepdim=True).reshape(to))

# ---- matmul, linear ---------------------------------------------------------
for k, (m, kk, n) in enumerate([(3, 5, 4), (1, 7, 2), (6, 1, 3)]):
    case('matmul', k, None, [rnd(m, kk), rnd(kk, n)], torch.matmul)
for k, (nb, fi, fo, bias) in enumerate([(4, 7, 5, True), (1, 3, 2, True), (5, 6, 3, False)]):
    ins = [rnd(nb, fi), rnd(fo, fi)] + ([rnd(fo)] if bias else [])
    case('linear', k, [1.0 if bias else 0.0], ins, lambda *a: F.linear(*a))

# ---- conv2d: cfg = stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups, has_bias
convs = [
    ([2, 3, 7, 6], [4, 3, 3, 3], (1, 1, 1, 1, 1, 1, 1), True),
    ([2, 4, 9, 8], [6, 2, 3, 2], (2, 1, 1, 0, 1, 2, 2), False),
    ([1, 3, 8, 8], [5, 3, 4, 4], (2, 2, 1, 1, 1, 1, 1), False),
    ([3, 6, 5, 7], [6, 1, 3, 3], (1, 1, 2, 2, 2, 2, 6), True),
]
for k, (xs, ws, (sh, sw, ph, pw, dh, dw, g), bias) in enumerate(convs):
    ins = [rnd(*xs), rnd(*ws)] + ([rnd(ws[0])] if bias else [])
    case('conv2d', k, [sh, sw, ph, pw, dh, dw, g, 1.0 if bias else 0.0], ins,
         lambda x, w, b=None: F.conv2d(x, w, b, (sh, sw), (ph, pw), (dh, dw), g))

# ---- conv_transpose2d: cfg = stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups, has_bias, op_h, op_w
convts = [
    ([2, 4, 1, 1], [4, 3, 4, 4], (1, 1, 0, 0, 1, 1, 1, 0, 0), False),
    ([2, 3, 4, 5], [3, 2, 4, 4], (2, 2, 1, 1, 1, 1, 1, 0, 0), True),
    ([1, 4, 3, 3], [4, 3, 3, 3], (2, 2, 1, 1, 1, 1, 2, 1, 1), False),
    ([2, 2, 5, 4], [2, 3, 3, 2], (1, 2, 0, 1, 2, 1, 1, 0, 1), True),
]
for k, (xs, ws, (sh, sw, ph, pw, dh, dw, g, oh, ow), bias) in enumerate(convts):
    ins = [rnd(*xs), rnd(*ws)] + ([rnd(ws[1] * g)] if bias else [])
    case('conv_transpose2d', k, [sh, sw, ph, pw, dh, dw, g, 1.0 if bias else 0.0, oh, ow], ins,
         lambda x, w, b=None: F.conv_transpose2d(x, w, b, (sh, sw), (ph, pw), (oh, ow), g, (dh, dw)))

# ---- batch_norm2d: cfg = train, affine; in0 x, in1 gamma, in2 beta ----------
bns = [([4, 3, 5, 6], 1, 1), ([2, 5, 3, 3], 0, 1), ([3, 2, 1, 1], 1, 1), ([2, 4, 3, 2], 1, 0)]
for k, (xs, train, affine) in enumerate(bns):
    c = xs[1]
    x = rnd(*xs, lo=-2, hi=3)
    rm, rv = rnd(c) * 0.5, rnd(c, lo=0.5, hi=2.0)
    p = 'batch_norm2d.%d.' % k
    T[p + 'rm'], T[p + 'rv'] = rm.clone(), rv.clone()
    ins = [x] + ([rnd(c, lo=0.5, hi=1.5), rnd(c)] if affine else [])
    rm_w, rv_w = rm.clone(), rv.clone()
    case('batch_norm2d', k, [train, affine], ins,
         lambda x, gm=None, bt=None: F.batch_norm(x, rm_w, rv_w, gm, bt, bool(train), 0.1, 1e-5))
    T[p + 'rm_after'], T[p + 'rv_after'] = rm_w, rv_w

# ---- losses: in0 input, in1 target (no gradient) ------------------------------
lshapes = [[4], [2, 3, 4, 5], [3, 7]]
for k, s in enumerate(lshapes):
    x = torch.rand(*s) * 0.98 + 0.01
    y = (torch.rand(*s) > 0.5).float() if k != 2 else torch.rand(*s)
    if k == 1:  # the clamp region: exact 0 and 1 with matching labels
        x.view(-1)[:4] = torch.tensor([0.0, 1.0, 1e-30, 1 - 2 ** -24])
        y.view(-1)[:4] = torch.tensor([0.0, 1.0, 0.0, 1.0])
    case('bce_loss', k, None, [x, y], F.binary_cross_entropy, [True, False])
    z = rnd(*s, lo=-6, hi=6)
    if k == 1:
        z.view(-1)[:3] = torch.tensor([30.0, -30.0, 0.0])
    case('bce_with_logits_loss', k, None, [z, torch.rand(*s)], F.binary_cross_entropy_with_logits,
         [True, False])
    case('mse_loss', k, None, [rnd(*s), rnd(*s)], F.mse_loss, [True, False])
    a, b = rnd(*s), rnd(*s)
    case('l1_loss', k, None, [away_from(a - b, [0.0]) + b, b], F.l1_loss, [True, False])

# ---- optimizers: params p0 [3,4], p1 [5]; gradients for 3 steps given -----
def optim_case(name, make):
    p0, p1 = torch.nn.Parameter(rnd(3, 4)), torch.nn.Parameter(rnd(5))
    T[name + '.p0'], T[name + '.p1'] = p0.detach().clone(), p1.detach().clone()
    opt = make([p0, p1])
    for step in range(3):
        g0, g1 = rnd(3, 4), rnd(5) * 10 ** (step - 1)
        T['%s.g0.%d' % (name, step)], T['%s.g1.%d' % (name, step)] = g0, g1
        p0.grad, p1.grad = g0.clone(), g1.clone()
        opt.step()
        T['%s.p0.%d' % (name, step)], T['%s.p1.%d' % (name, step)] = p0.detach().clone(), p1.detach().clone()


optim_case('adam', lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.5, 0.999), eps=1e-8))
optim_case('sgd', lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9))

os.makedirs(OUT, exist_ok=True)
save_safetensors(os.path.join(OUT, 'ops.safetensors'), T)
print('ops.safetensors: %d tensors' % len(T))


def r1_case():
    """R1 (doc/models.md §7): D = conv(3->4, k3, s2, p1) + leaky ReLU 0.2 +
    linear(36->1) on x [2,3,6,6]; R1 = gamma/2 sum((d sum D(x) / dx)^2),
    gamma = 10, and its gradient w.r.t. D's parameters (create_graph)."""
    conv = torch.nn.Conv2d(3, 4, 3, 2, 1)
    fc = torch.nn.Linear(36, 1)
    x = rnd(2, 3, 6, 6).requires_grad_(True)
    out = fc(F.leaky_relu(conv(x), 0.2).reshape(2, 36))
    gx, = torch.autograd.grad(out.sum(), x, create_graph=True)
    r1 = gx.square().sum() * (10.0 / 2)
    ps = [conv.weight, conv.bias, fc.weight, fc.bias]
    # the biases do not reach R1 (a leaky ReLU's mask has no derivative)
    grads = [torch.zeros_like(p) if g is None else g
             for p, g in zip(ps, torch.autograd.grad(r1, ps, allow_unused=True))]
    R = {'x': x.detach(), 'conv.weight': conv.weight, 'conv.bias': conv.bias, 'fc.weight': fc.weight,
         'fc.bias': fc.bias, 'd_out': out, 'grad_x': gx, 'r1': r1}
    for n, g in zip(['conv.weight', 'conv.bias', 'fc.weight', 'fc.bias'], grads):
        R['grad.' + n] = g
    save_safetensors(os.path.join(OUT, 'r1.safetensors'), R)
    print('r1.safetensors: %d tensors, R1 = %.6g' % (len(R), r1.item()))


r1_case()
