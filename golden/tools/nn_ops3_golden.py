#!/usr/bin/env python3
"""Reference values from PyTorch for the StyleGAN and SPADE ops of nn/
(nn/ops_fir.c upfirdn2d; nn/ops_style.c modulated conv, AdaIN, noise
injection, minibatch stddev, equalized-LR linear layers; nn/ops_spectral.c
spectral norm; nn/ops_spade.c SPADE modulation; nn/ops_resample.c nearest
resizing; nn/ops_loss.c the non-saturating logistic loss) and an R1 penalty
through a tiny StyleGAN2-like discriminator.

The StyleGAN ops are written here in plain PyTorch after the reference
paths of NVlabs/stylegan2-ada-pytorch (torch_utils/ops/upfirdn2d.py's
_upfirdn2d_ref, conv2d_resample.py, training/networks.py's
modulated_conv2d and MinibatchStdLayer; doc/models.md §4); AdaIN after
NVlabs/stylegan's networks_stylegan.py (§4.4); spectral norm is
torch.nn.utils.spectral_norm itself; SPADE after NVlabs/SPADE's
normalization.py (§3).

Same layout as nn_golden.py's ops.safetensors:
  OP.K.cfg, OP.K.in0 .., OP.K.gout, OP.K.out, OP.K.grad.inI
plus OP.K.rm / .rv and .rm_after / .rv_after for state buffers (spectral
norm's u and v before and after the power iteration), and r1s.* for the R1
case. Writes golden/nn/ops3.safetensors.
Run: /usr/bin/python3 golden/tools/nn_ops3_golden.py   (python3-torch 1.13)
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_write  # noqa: E402

torch.manual_seed(20240620)
torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'nn')
T = {}


def rnd(*shape, lo=-1.0, hi=1.0):
    return torch.rand(list(shape)) * (hi - lo) + lo


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
    return out


# ---- the reference ops, in plain PyTorch -------------------------------------

def fir_filter(taps):
    """setup_filter for a short 1-D filter: the outer product, normalized to sum 1."""
    f = torch.tensor(taps, dtype=torch.float32)
    f = torch.outer(f, f)
    return f / f.sum()


def upfirdn2d(x, f, up=1, down=1, pad=(0, 0, 0, 0), gain=1.0, flip=False):
    """_upfirdn2d_ref: zero-insert upsampling, pad (negative = crop), true 2-D
    convolution with f * gain (f flipped unless flip), keep every down-th."""
    n, c, h, w = x.shape
    px0, px1, py0, py1 = pad
    x = x.reshape(n, c, h, 1, w, 1)
    x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
    x = x.reshape(n, c, h * up, w * up)
    x = F.pad(x, [max(px0, 0), max(px1, 0), max(py0, 0), max(py1, 0)])
    x = x[:, :, max(-py0, 0):x.shape[2] - max(-py1, 0), max(-px0, 0):x.shape[3] - max(-px1, 0)]
    f = f * (gain ** (f.ndim / 2))
    if not flip:
        f = f.flip([0, 1])
    x = F.conv2d(x, f[None, None].repeat(c, 1, 1, 1), groups=c)
    return x[:, :, ::down, ::down]


def modulated_conv2d(x, w, s, demod, up, padding, f):
    """The fused path: per-sample weights w * s, demodulated by
    rsqrt(sum w^2 + 1e-8), one grouped convolution; up = 2 by a stride-2
    transposed convolution then the FIR filter (conv2d_resample)."""
    n, i, h, wd = x.shape
    o, _, kh, kw = w.shape
    wm = w.unsqueeze(0) * s.reshape(n, 1, i, 1, 1)
    if demod:
        d = (wm.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt()
        wm = wm * d.reshape(n, o, 1, 1, 1)
    xg = x.reshape(1, n * i, h, wd)
    if up == 1:
        y = F.conv2d(xg, wm.reshape(n * o, i, kh, kw), padding=padding, groups=n)
    else:
        fh, fw = f.shape
        px0 = padding + (fw + up - 1) // 2 - (kw - 1)
        px1 = padding + (fw - up) // 2 - (kw - up)
        py0 = padding + (fh + up - 1) // 2 - (kh - 1)
        py1 = padding + (fh - up) // 2 - (kh - up)
        pxt, pyt = max(min(-px0, -px1), 0), max(min(-py0, -py1), 0)
        wt = wm.transpose(1, 2).reshape(n * i, o, kh, kw)
        y = F.conv_transpose2d(xg, wt, stride=up, padding=[pyt, pxt], groups=n)
        y = upfirdn2d(y, f, pad=(px0 + pxt, px1 + pxt, py0 + pyt, py1 + pyt), gain=up * up)
    return y.reshape(n, o, y.shape[2], y.shape[3])


def adain(x, style, eps=1e-8):
    """StyleGAN v1: instance norm (eps 1e-8) then x * (style[:C] + 1) + style[C:]."""
    c = x.shape[1]
    x = x - x.mean(dim=[2, 3], keepdim=True)
    x = x * (x.square().mean(dim=[2, 3], keepdim=True) + eps).rsqrt()
    st = style.reshape(-1, 2, c, 1, 1)
    return x * (st[:, 0] + 1) + st[:, 1]


def mbstd(x, group, nf):
    """MinibatchStdLayer: groups of samples n, n + N/G, ... (strided)."""
    n, c, h, w = x.shape
    g = min(group, n)
    y = x.reshape(g, -1, nf, c // nf, h, w)
    y = y - y.mean(dim=0)
    y = y.square().mean(dim=0)
    y = (y + 1e-8).sqrt()
    y = y.mean(dim=[2, 3, 4])
    y = y.reshape(-1, nf, 1, 1)
    y = y.repeat(g, 1, h, w)
    return torch.cat([x, y], dim=1)


def spade(x, seg, ws, bs, wg, bg, wb, bb, norm):
    """SPADE: param-free norm, the segmentation map resized (nearest) to x,
    shared conv3x3 + ReLU, then x_n * (1 + gamma) + beta."""
    if norm == 0:
        xn = F.batch_norm(x, None, None, training=True, eps=1e-5)
    else:
        xn = F.instance_norm(x, eps=1e-5)
    m = F.interpolate(seg, size=x.shape[2:], mode='nearest')
    a = F.relu(F.conv2d(m, ws, bs, padding=1))
    return xn * (1 + F.conv2d(a, wg, bg, padding=1)) + F.conv2d(a, wb, bb, padding=1)


FIR = fir_filter([1, 3, 3, 1])

# ---- upfirdn2d: cfg = up, down, px0, px1, py0, py1, gain, flip; in1 = filter (constant)
ups = [
    ([2, 3, 5, 6], FIR, 2, 1, (2, 1, 2, 1), 4.0, 0),      # upsample2d
    ([1, 2, 8, 7], FIR, 1, 2, (1, 1, 1, 1), 1.0, 0),      # downsample2d
    ([2, 2, 6, 6], FIR, 1, 1, (2, 2, 2, 2), 1.0, 1),      # the down-conv prefilter, flipped
    ([1, 3, 5, 4], rnd(3, 4), 3, 2, (-1, 2, 0, -1), 2.0, 0),   # asymmetric filter, crop
]
for k, (s, f, up, dn, pad, gain, flip) in enumerate(ups):
    case('upfirdn2d', k, [up, dn, pad[0], pad[1], pad[2], pad[3], gain, flip], [rnd(*s), f],
         lambda x, f: upfirdn2d(x, f, up, dn, pad, gain, bool(flip)), [True, False])

# ---- modulated_conv2d: cfg = demod, up, padding; in0 x, in1 weight, in2 styles
mcs = [
    ([2, 3, 5, 6], [4, 3, 3, 3], 1, 1, 1),
    ([3, 4, 4, 3], [2, 4, 1, 1], 0, 1, 0),    # ToRGB: 1x1, no demodulation
    ([2, 3, 4, 3], [2, 3, 3, 3], 1, 2, 1),    # up = 2 (SynthesisLayer conv0)
    ([1, 2, 7, 5], [3, 2, 3, 3], 1, 1, 1),
]
for k, (xs, wsh, dm, up, pd) in enumerate(mcs):
    ins = [rnd(*xs), rnd(*wsh), rnd(xs[0], xs[1], lo=0.3, hi=1.7) * torch.where(torch.rand(xs[0], xs[1]) < 0.2, -1.0, 1.0)]
    case('modulated_conv2d', k, [dm, up, pd], ins, lambda x, w, s: modulated_conv2d(x, w, s, dm, up, pd, FIR))

# ---- adain: cfg = eps; in0 x, in1 style [N, 2C]
for k, s in enumerate([[2, 3, 4, 5], [1, 4, 3, 3], [3, 2, 2, 6]]):
    case('adain', k, [1e-8], [rnd(*s, lo=-2, hi=3), rnd(s[0], 2 * s[1])], adain)

# ---- noise injection: x + noise [N,1,H,W] * strength ([C] in v1, a scalar in v2)
for k, (s, st) in enumerate([([2, 3, 4, 5], [3]), ([1, 2, 3, 3], []), ([3, 4, 2, 5], [4])]):
    noise = torch.randn(s[0], 1, s[2], s[3])
    case('noise_inject', k, None, [rnd(*s), noise, rnd(*st) if st else rnd(1).reshape([])],
         lambda x, n, w: x + n * (w.reshape(1, -1, 1, 1) if w.ndim else w))

# ---- minibatch stddev: cfg = group size, num_channels
for k, (s, g, nf) in enumerate([([4, 3, 4, 4], 4, 1), ([6, 4, 3, 2], 2, 2), ([2, 2, 3, 3], 4, 1), ([3, 2, 2, 5], 3, 1)]):
    case('minibatch_stddev', k, [g, nf], [rnd(*s, lo=-2, hi=2)], lambda x: mbstd(x, g, nf))

# ---- equalized-LR linear layer (FullyConnectedLayer): cfg = lr_mul, lrelu
# y = x (W lr_mul / sqrt(in))^T + b lr_mul, then lrelu(0.2) * sqrt(2) (bias_act)
for k, (nb, fi, fo, lr, act) in enumerate([(3, 5, 4, 1.0, 1), (2, 8, 3, 0.01, 1), (4, 6, 2, 1.0, 0)]):
    def fc(x, w, b, lr=lr, act=act, fi=fi):
        y = F.linear(x, w * (lr / math.sqrt(fi)), b * lr)
        return F.leaky_relu(y, 0.2) * math.sqrt(2) if act else y
    w = torch.randn(fo, fi) / lr
    case('eqlr_linear', k, [lr, act], [rnd(nb, fi), w, rnd(fo) / lr], fc)

# ---- spectral norm: cfg = train; rm/rv = weight_u/weight_v before, rm_after/rv_after
for k, (s, train) in enumerate([([5, 7], 1), ([4, 3, 3, 3], 1), ([6, 2, 3, 2], 0), ([3, 4, 1, 1], 1)]):
    lin = torch.nn.Conv2d(s[1], s[0], s[2:]) if len(s) == 4 else torch.nn.Linear(s[1], s[0])
    lin = torch.nn.utils.spectral_norm(lin)
    lin.train(bool(train))
    with torch.no_grad():
        lin.weight_orig.copy_(rnd(*s))
    p = 'spectral_norm.%d.' % k
    T[p + 'rm'], T[p + 'rv'] = lin.weight_u.detach().clone(), lin.weight_v.detach().clone()
    x0 = lin.weight_orig.detach().clone()
    # torch's own computation (the forward pre-hook's compute_weight), on the leaf weight_orig
    hook = list(lin._forward_pre_hooks.values())[0]
    wn = hook.compute_weight(lin, do_power_iteration=bool(train))
    gout = rnd(*wn.shape)
    g, = torch.autograd.grad(wn, lin.weight_orig, gout)
    T[p + 'cfg'] = torch.tensor([float(train)])
    T[p + 'in0'] = x0
    T[p + 'gout'] = gout
    T[p + 'out'] = wn.detach()
    T[p + 'grad.in0'] = g
    T[p + 'rm_after'], T[p + 'rv_after'] = lin.weight_u.detach().clone(), lin.weight_v.detach().clone()

# ---- nearest resize to a size (SPADE's segmap): cfg = height, width
for k, (s, size) in enumerate([([1, 2, 7, 4], [5, 3]), ([2, 1, 3, 3], [6, 6]), ([1, 2, 5, 5], [7, 9]),
                               ([1, 1, 4, 6], [4, 6])]):
    case('resize_nearest', k, size, [rnd(*s)], lambda x: F.interpolate(x, size=size, mode='nearest'))

# ---- SPADE: cfg = norm (0 batch norm in train mode, 1 instance norm), hidden, label_nc
# in0 x, in1 segmap (one-hot, constant), in2..7 shared w, b, gamma w, b, beta w, b
spades = [([2, 3, 4, 5], [2, 4, 8, 10], 0, 5), ([1, 2, 6, 6], [1, 3, 3, 3], 1, 4), ([2, 2, 5, 3], [2, 3, 7, 4], 0, 3)]
for k, (xs, ss, norm, nh) in enumerate(spades):
    c, lab = xs[1], ss[1]
    seg = F.one_hot(torch.randint(0, lab, [ss[0], ss[2], ss[3]]), lab).permute(0, 3, 1, 2).float()
    m = F.interpolate(seg, size=xs[2:], mode='nearest')
    while True:  # keep the ReLU's inputs 0.03 away from its kink (finite differences)
        ws, bs = rnd(nh, lab, 3, 3) * 0.5, rnd(nh) * 0.5
        if F.conv2d(m, ws, bs, padding=1).abs().min() > 0.03:
            break
    ins = [rnd(*xs, lo=-2, hi=3), seg, ws, bs, rnd(c, nh, 3, 3) * 0.5, rnd(c) * 0.5, rnd(c, nh, 3, 3) * 0.5,
           rnd(c) * 0.5]
    case('spade', k, [norm, nh, lab], ins, lambda x, m, *p: spade(x, m, *p, norm),
         [True, False, True, True, True, True, True, True])

# ---- non-saturating logistic loss: cfg = target (+1 real: softplus(-x), -1 fake: softplus(x))
for k, (s, tgt) in enumerate([([4], 1), ([2, 1, 3, 3], -1), ([5, 1], 1), ([3], -1)]):
    x = rnd(*s, lo=-4, hi=4)
    case('logistic_ns_loss', k, [tgt], [x], lambda x: F.softplus(-tgt * x).mean())


def r1_stylegan():
    """R1 through a tiny StyleGAN2-like D (doc/models.md §4.5, §4.6):
    fromrgb conv1x1 -> down-conv (FIR pad 2, conv3x3 stride 2) -> mbstd(G=2)
    -> conv3x3 -> fc -> out, equalized LR everywhere, bias_act lrelu with gain
    sqrt(2). R1 = mean_n sum_chw (d sum D(x) / dx)^2 * gamma / 2, gamma = 1,
    and its gradient w.r.t. every parameter (create_graph)."""
    R = {}
    prm = {
        'fromrgb.weight': torch.randn(4, 3, 1, 1), 'fromrgb.bias': rnd(4) * 0.1,
        'conv.weight': torch.randn(4, 4, 3, 3), 'conv.bias': rnd(4) * 0.1,
        'b4.conv.weight': torch.randn(4, 5, 3, 3), 'b4.conv.bias': rnd(4) * 0.1,
        'b4.fc.weight': torch.randn(4, 64), 'b4.fc.bias': rnd(4) * 0.1,
        'b4.out.weight': torch.randn(1, 4), 'b4.out.bias': rnd(1) * 0.1,
    }
    P = {n: t.clone().requires_grad_(True) for n, t in prm.items()}

    def act(y):
        return F.leaky_relu(y, 0.2) * math.sqrt(2)

    def conv(x, n, **kw):
        w = P[n + '.weight']
        return F.conv2d(x, w * (1 / math.sqrt(w[0].numel())), P[n + '.bias'], **kw)

    def fc(x, n):
        w = P[n + '.weight']
        return F.linear(x, w * (1 / math.sqrt(w.shape[1])), P[n + '.bias'])

    x = rnd(4, 3, 8, 8).requires_grad_(True)
    h = act(conv(x, 'fromrgb'))
    h = act(conv(upfirdn2d(h, FIR, pad=(2, 2, 2, 2)), 'conv', stride=2))
    h = mbstd(h, 2, 1)
    h = act(conv(h, 'b4.conv', padding=1))
    h = act(fc(h.flatten(1), 'b4.fc'))
    out = fc(h, 'b4.out')
    gx, = torch.autograd.grad(out.sum(), x, create_graph=True)
    r1 = gx.square().sum(dim=[1, 2, 3]).mean() * (1.0 / 2)
    names = list(prm)
    grads = torch.autograd.grad(r1, [P[n] for n in names], allow_unused=True)
    R['r1s.x'] = x.detach()
    for n in names:
        R['r1s.' + n] = prm[n]
    for n, g in zip(names, grads):
        R['r1s.grad.' + n] = torch.zeros_like(prm[n]) if g is None else g
    R['r1s.d_out'], R['r1s.grad_x'], R['r1s.r1'] = out.detach(), gx.detach(), r1.detach()
    T.update(R)
    return r1.item()


r1 = r1_stylegan()
os.makedirs(OUT, exist_ok=True)
st_write.save(os.path.join(OUT, 'ops3.safetensors'), T)
print('ops3.safetensors: %d tensors, R1 = %.6g' % (len(T), r1))
