#!/usr/bin/env python3
"""Reference values from PyTorch for gan/layers.c's StyleGAN2 and spectral
norm layers: the forward, and the gradients of sum(out * gout) with respect
to the input and every parameter, at small shapes with fixed inputs.

The StyleGAN2 layers are written here from the formulas of
NVlabs/stylegan2-ada-pytorch (training/networks.py FullyConnectedLayer,
Conv2dLayer, SynthesisLayer, ToRGBLayer; torch_utils/ops conv2d_resample's
down path, upfirdn2d, bias_act with lrelu's gain sqrt 2); the spectral norm
conv is torch.nn.utils.spectral_norm(torch.nn.Conv2d) itself (one power
iteration in training, none in eval).

Per case K of a layer L, under "L.K.":
  cfg          the layer's settings (see each section)
  x, w, noise  inputs (w: the latent of a modulated conv; noise [N,1,H,W])
  <param>      the parameters under their state_dict names (weight, bias,
               affine.weight ...; spectral norm: weight_orig, bias, and
               weight_u / weight_v before the forward)
  out, gout    the output and the output gradient
  grad.<name>  gradients of the input x and the parameters
  after.weight_u / after.weight_v   spectral norm's buffers after the forward
Writes golden/layers/layers.safetensors.
Run: /usr/bin/python3 golden/tools/layers_golden.py   (python3-torch 1.13)
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_write  # noqa: E402

torch.manual_seed(20261203)
torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'layers')
T = {}
SQRT2 = math.sqrt(2)


def rnd(*shape, lo=-1.0, hi=1.0):
    return torch.rand(list(shape)) * (hi - lo) + lo


def fir4():
    """setup_filter([1, 3, 3, 1]): the outer product over its sum."""
    t = torch.tensor([1.0, 3.0, 3.0, 1.0])
    f = torch.outer(t, t)
    return f / f.sum()


def filter2d(x, f, pad, down=1):
    """upfirdn2d with up = 1: zero pads (x0, x1, y0, y1), the true 2-D
    convolution with f per channel, every down-th sample kept."""
    c = x.shape[1]
    x = F.pad(x, [pad[0], pad[1], pad[2], pad[3]])
    x = F.conv2d(x, f.flip([0, 1])[None, None].repeat(c, 1, 1, 1), groups=c)
    return x[:, :, ::down, ::down]


def bias_act(x, b, act, gain=1.0, clamp=None):
    """x + b (per channel), the activation (lrelu: slope 0.2, its gain
    sqrt 2), times gain, clamped to +-clamp."""
    if b is not None:
        x = x + b.reshape([1, -1] + [1] * (x.ndim - 2))
    g = gain
    if act == 'lrelu':
        x = F.leaky_relu(x, 0.2)
        g = SQRT2 * gain
    if g != 1:
        x = x * g
    if clamp is not None:
        x = x.clamp(-clamp, clamp)
    return x


def record(prefix, inputs, params, fn, extra=None):
    """Runs fn(*inputs, params) and stores inputs, parameters, output, gout
    and every gradient under prefix."""
    ins = {k: v.clone().requires_grad_(k != 'noise' and k != 'cfg') for k, v in inputs.items()}
    prm = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    out = fn(ins, prm)
    gout = rnd(*out.shape)
    leaves = [(k, v) for k, v in list(ins.items()) + list(prm.items()) if v.requires_grad]
    grads = torch.autograd.grad(out, [v for _, v in leaves], gout, allow_unused=True)
    for k, v in list(ins.items()) + list(prm.items()):
        T[prefix + k] = v.detach().clone()
    T[prefix + 'out'] = out.detach()
    T[prefix + 'gout'] = gout
    for (k, v), g in zip(leaves, grads):
        T[prefix + 'grad.' + k] = torch.zeros_like(v) if g is None else g
    if extra:
        T.update({prefix + k: v for k, v in extra.items()})


# ---- FullyConnectedLayer: cfg = in, out, bias, lr_mul, bias_init, lrelu ------
# weight ~ randn / lr_mul, bias = bias_init (plus an offset here, so its gain
# is seen); y = x (w lr_mul / sqrt(in))^T + b lr_mul, then bias_act.
fcs = [(3, 5, 4, 1, 1.0, 0.0, 1), (2, 8, 3, 1, 0.01, 1.0, 0), (4, 6, 2, 0, 1.0, 0.0, 0), (2, 4, 5, 1, 0.1, 0.5, 1)]
for k, (n, fi, fo, bias, lr, binit, act) in enumerate(fcs):
    params = {'weight': torch.randn(fo, fi) / lr}
    if bias:
        params['bias'] = torch.full([fo], binit) + rnd(fo) * 0.5

    def fc(ins, p, fi=fi, lr=lr, act=act, bias=bias):
        y = ins['x'].matmul((p['weight'] * (lr / math.sqrt(fi))).t())
        return bias_act(y, p['bias'] * lr if bias else None, 'lrelu' if act else 'linear')
    T['eq_linear.%d.cfg' % k] = torch.tensor([fi, fo, bias, lr, binit, act], dtype=torch.float32)
    record('eq_linear.%d.' % k, {'x': rnd(n, fi)}, params, fc)

# ---- Conv2dLayer: cfg = in, out, kernel, bias, down, lrelu, clamp, gain ------
# weight ~ randn, w = weight / sqrt(in k k); down 2 by conv2d_resample's
# path: pad, filter, strided conv (1x1: filter and subsample, then the
# conv); bias_act with gain and clamp.
convs = [(2, 3, 4, 3, 1, 1, 1, 0.0, 1.0),            # conv0 of a D block
         (1, 3, 4, 3, 1, 2, 1, 0.0, math.sqrt(0.5)),  # conv1: down 2, resnet gain
         (2, 2, 3, 1, 0, 2, 0, 0.0, math.sqrt(0.5)),  # skip: 1x1, no bias, linear, down 2
         (2, 3, 2, 1, 1, 1, 1, 0.6, 1.0)]             # fromrgb with a clamp
for k, (n, ci, co, ks, bias, down, act, clamp, gain) in enumerate(convs):
    params = {'weight': torch.randn(co, ci, ks, ks)}
    if bias:
        params['bias'] = rnd(co) * 0.5
    h = 8 if down == 2 else 5

    def conv(ins, p, ci=ci, ks=ks, bias=bias, down=down, act=act, clamp=clamp, gain=gain):
        x, w, pad = ins['x'], p['weight'] * (1 / math.sqrt(ci * ks * ks)), ks // 2
        if down == 2:
            # the filter's pads for down 2: (4 - 2 + 1) // 2 = 1 before, (4 - 2) // 2 = 1 after
            pads = (pad + 1, pad + 1, pad + 1, pad + 1)
            if ks == 1:   # filter and subsample, then the 1x1 conv
                y = F.conv2d(filter2d(x, fir4(), pads, down=2), w)
            else:         # filter, then the strided conv
                y = F.conv2d(filter2d(x, fir4(), pads), w, stride=2)
        else:
            y = F.conv2d(x, w, padding=pad)
        return bias_act(y, p['bias'] if bias else None, 'lrelu' if act else 'linear', gain,
                        clamp * gain if clamp else None)
    T['eq_conv.%d.cfg' % k] = torch.tensor([ci, co, ks, bias, down, act, clamp, gain], dtype=torch.float32)
    record('eq_conv.%d.' % k, {'x': rnd(n, ci, h, h, lo=-2, hi=2)}, params, conv)


# ---- SynthesisLayer / ToRGBLayer: cfg = in, out, kernel, w_dim, up, torgb, noise, clamp, gain
def modconv(x, weight, styles, demod, up, padding):
    """modulated_conv2d, fused: per-sample weights weight * styles,
    demodulated by rsqrt(sum + 1e-8); up 2 as conv2d_resample: a stride-2
    transposed conv, then the filter with gain 4."""
    n, i, h, wd = x.shape
    o, _, kh, kw = weight.shape
    wm = weight.unsqueeze(0) * styles.reshape(n, 1, i, 1, 1)
    if demod:
        wm = wm * (wm.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt().reshape(n, o, 1, 1, 1)
    xg = x.reshape(1, n * i, h, wd)
    if up == 1:
        y = F.conv2d(xg, wm.reshape(n * o, i, kh, kw), padding=padding, groups=n)
    else:
        # conv2d_resample's pads for a 4-tap filter (square: x and y alike)
        p0 = padding + (4 + up - 1) // 2 - (kw - 1)
        p1 = padding + (4 - up) // 2 - (kw - up)
        pt = max(min(-p0, -p1), 0)
        wt = wm.transpose(1, 2).reshape(n * i, o, kh, kw)
        y = F.conv_transpose2d(xg, wt, stride=up, padding=pt, groups=n)
        y = filter2d(y, fir4() * (up * up), (p0 + pt, p1 + pt, p0 + pt, p1 + pt))
    return y.reshape(n, o, y.shape[2], y.shape[3])


mods = [(2, 3, 4, 3, 5, 1, 0, 1, 0.0, 1.0),              # conv1 with noise
        (2, 3, 2, 3, 4, 2, 0, 1, 0.0, math.sqrt(0.5)),   # conv0: up 2, noise, resnet gain
        (2, 4, 3, 1, 5, 1, 1, 0, 0.0, 1.0),              # ToRGB
        (1, 2, 3, 3, 4, 1, 0, 0, 0.7, 1.0)]              # no noise, clamp
for k, (n, ci, co, ks, wd, up, torgb, noise, clamp, gain) in enumerate(mods):
    h = 4
    ho = h * up
    params = {'weight': torch.randn(co, ci, ks, ks)}
    if noise:
        params['noise_strength'] = rnd(1).reshape([]) * 0.5
    params['bias'] = rnd(co) * 0.5
    params['affine.weight'] = torch.randn(ci, wd)
    params['affine.bias'] = torch.ones(ci) + rnd(ci) * 0.3
    inputs = {'x': rnd(n, ci, h, h), 'w': rnd(n, wd, lo=-1.5, hi=1.5)}
    if noise:
        inputs['noise'] = torch.randn(n, 1, ho, ho)

    def synth(ins, p, ci=ci, ks=ks, wd=wd, up=up, torgb=torgb, noise=noise, clamp=clamp, gain=gain):
        styles = ins['w'].matmul((p['affine.weight'] * (1 / math.sqrt(wd))).t()) + p['affine.bias']
        if torgb:
            styles = styles * (1 / math.sqrt(ci * ks * ks))
            y = modconv(ins['x'], p['weight'], styles, False, 1, 0)
            return bias_act(y, p['bias'], 'linear', 1.0, clamp if clamp else None)
        y = modconv(ins['x'], p['weight'], styles, True, up, ks // 2)
        if noise:
            y = y + ins['noise'] * p['noise_strength']
        return bias_act(y, p['bias'], 'lrelu', gain, clamp * gain if clamp else None)
    T['modconv.%d.cfg' % k] = torch.tensor([ci, co, ks, wd, up, torgb, noise, clamp, gain], dtype=torch.float32)
    record('modconv.%d.' % k, inputs, params, synth)

# ---- spectral_norm(Conv2d): cfg = in, out, kernel, stride, padding, bias, train
sns = [(2, 3, 4, 3, 1, 1, 1, 1), (1, 2, 3, 4, 2, 1, 0, 1), (2, 3, 2, 3, 1, 1, 1, 0)]
for k, (n, ci, co, ks, stride, pad, bias, train) in enumerate(sns):
    conv = torch.nn.utils.spectral_norm(torch.nn.Conv2d(ci, co, ks, stride, pad, bias=bool(bias)))
    conv.train(bool(train))
    with torch.no_grad():
        conv.weight_orig.copy_(rnd(co, ci, ks, ks))
        if bias:
            conv.bias.copy_(rnd(co) * 0.5)
    p = 'sn_conv.%d.' % k
    T[p + 'cfg'] = torch.tensor([ci, co, ks, stride, pad, bias, train], dtype=torch.float32)
    T[p + 'weight_u'], T[p + 'weight_v'] = conv.weight_u.detach().clone(), conv.weight_v.detach().clone()
    T[p + 'weight_orig'] = conv.weight_orig.detach().clone()
    if bias:
        T[p + 'bias'] = conv.bias.detach().clone()
    x = rnd(n, ci, 6, 6).requires_grad_(True)
    out = conv(x)   # the forward pre-hook: the power iteration (train), then weight_orig / sigma
    gout = rnd(*out.shape)
    leaves = [x, conv.weight_orig] + ([conv.bias] if bias else [])
    grads = torch.autograd.grad(out, leaves, gout)
    T[p + 'x'] = x.detach()
    T[p + 'out'], T[p + 'gout'] = out.detach(), gout
    T[p + 'grad.x'], T[p + 'grad.weight_orig'] = grads[0], grads[1]
    if bias:
        T[p + 'grad.bias'] = grads[2]
    T[p + 'after.weight_u'], T[p + 'after.weight_v'] = conv.weight_u.detach().clone(), conv.weight_v.detach().clone()

os.makedirs(OUT, exist_ok=True)
st_write.save(os.path.join(OUT, 'layers.safetensors'), T)
print('layers.safetensors: %d tensors' % len(T))
