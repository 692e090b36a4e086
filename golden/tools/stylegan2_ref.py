#!/usr/bin/env python3
"""StyleGAN2 as NVlabs/stylegan2-ada-pytorch builds it (training/networks.py,
training/loss.py StyleGAN2Loss), rebuilt in plain PyTorch from
doc/models.md §4:
no custom CUDA ops, fp32 only, upfirdn2d with the semantics of the
reference's slow path (_upfirdn2d_ref), the same module nesting so that
state_dict() gives the reference's keys in the reference's order:

  G:  synthesis.b4.const, synthesis.b4.resample_filter,
      synthesis.b4.conv1.{weight,noise_strength,bias,resample_filter,
      noise_const,affine.weight,affine.bias}, synthesis.b4.torgb.*, ...,
      mapping.fc0.weight ... mapping.w_avg
  D:  b{R}.resample_filter, b{R}.fromrgb.*, b{r}.conv0.*, b{r}.conv1.*,
      b{r}.skip.*, b4.conv.*, b4.fc.*, b4.out.*

Importable (gan99's golden script and the converter test use it). Every
random draw of a forward (synthesis noise in mode 'random', the style
mixing draws, the path-length noise) goes through `randn` / `draw_cutoff`
below, so a caller can replace them and feed the numbers gan99 uses.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F

SQRT2 = math.sqrt(2.0)


def randn(shape):
    """Every normal draw of a forward; replaceable."""
    return torch.randn(shape)


def draw_cutoff(num_ws, prob):
    """The style-mixing cutoff of one batch: U{1..num_ws-1} with
    probability prob, else num_ws (no mixing); replaceable."""
    cutoff = int(torch.empty([], dtype=torch.int64).random_(1, num_ws))
    return cutoff if float(torch.rand([])) < prob else num_ws


# ---- primitives --------------------------------------------------------------

def setup_filter(taps=(1, 3, 3, 1)):
    t = torch.tensor(taps, dtype=torch.float32)
    f = torch.outer(t, t)
    return f / f.sum()


def upfirdn2d(x, f, up=1, down=1, pad=(0, 0, 0, 0), gain=1.0):
    """Zero-insert upsampling (sample i goes to i*up), zero padding
    (x0, x1, y0, y1; negative crops), a true 2-D convolution with f*gain
    (the filter flipped, then correlated), every down-th sample kept."""
    n, c, h, w = x.shape
    if up > 1:
        y = x.new_zeros([n, c, h * up, w * up])
        y[:, :, ::up, ::up] = x
        x = y
    x0, x1, y0, y1 = pad
    x = F.pad(x, [max(x0, 0), max(x1, 0), max(y0, 0), max(y1, 0)])
    x = x[:, :, max(-y0, 0): x.shape[2] - max(-y1, 0), max(-x0, 0): x.shape[3] - max(-x1, 0)]
    k = (f * gain).flip([0, 1])[None, None].repeat(c, 1, 1, 1).to(x.dtype)
    x = F.conv2d(x, k, groups=c)
    return x[:, :, ::down, ::down]


def upsample2d(x, f):
    return upfirdn2d(x, f, up=2, pad=(2, 1, 2, 1), gain=4.0)


def bias_act(x, b, act='linear', gain=None, clamp=None):
    """x + b per channel (dim 1), the activation, times gain (default the
    activation's: sqrt 2 for lrelu), clamped to +-clamp."""
    if b is not None:
        x = x + b.reshape([1, -1] + [1] * (x.ndim - 2))
    g = 1.0
    if act == 'lrelu':
        x = F.leaky_relu(x, 0.2)
        g = SQRT2
    if gain is not None:
        g = g * gain
    if g != 1:
        x = x * g
    if clamp is not None:
        x = x.clamp(-clamp, clamp)
    return x


def normalize_2nd_moment(x, eps=1e-8):
    return x * (x.square().mean(dim=1, keepdim=True) + eps).rsqrt()


def modulated_conv2d(x, weight, styles, noise=None, up=1, padding=0, f=None, demodulate=True):
    """The fused form: per-sample weights w*s, demodulated, one grouped
    convolution; up 2 as the reference's transposed-conv path then the
    filter (gain 4)."""
    n, i, h, w_ = x.shape
    o, _, kh, kw = weight.shape
    w = weight.unsqueeze(0) * styles.reshape(n, 1, i, 1, 1)
    if demodulate:
        w = w * (w.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt().reshape(n, o, 1, 1, 1)
    xg = x.reshape(1, n * i, h, w_)
    if up == 1:
        y = F.conv2d(xg, w.reshape(n * o, i, kh, kw), padding=padding, groups=n)
    else:
        fw = f.shape[-1]
        p0 = padding + (fw + up - 1) // 2 - (kw - 1)
        p1 = padding + (fw - up) // 2 - (kw - up)
        pt = max(min(-p0, -p1), 0)
        wt = w.transpose(1, 2).reshape(n * i, o, kh, kw)
        y = F.conv_transpose2d(xg, wt, stride=up, padding=pt, groups=n)
        y = upfirdn2d(y, f, pad=(p0 + pt, p1 + pt, p0 + pt, p1 + pt), gain=up * up)
    y = y.reshape(n, o, y.shape[2], y.shape[3])
    if noise is not None:
        y = y + noise
    return y


# ---- layers ------------------------------------------------------------------

class FullyConnectedLayer(torch.nn.Module):
    def __init__(self, in_features, out_features, bias=True, activation='linear', lr_multiplier=1.0,
                 bias_init=0.0):
        super().__init__()
        self.activation = activation
        self.weight = torch.nn.Parameter(torch.randn([out_features, in_features]) / lr_multiplier)
        self.bias = torch.nn.Parameter(torch.full([out_features], float(bias_init))) if bias else None
        self.weight_gain = lr_multiplier / math.sqrt(in_features)
        self.bias_gain = lr_multiplier

    def forward(self, x):
        w = self.weight * self.weight_gain
        b = self.bias * self.bias_gain if self.bias is not None else None
        return bias_act(x.matmul(w.t()), b, self.activation)


class Conv2dLayer(torch.nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, bias=True, activation='linear', down=1,
                 conv_clamp=None):
        super().__init__()
        self.activation = activation
        self.down = down
        self.conv_clamp = conv_clamp
        self.register_buffer('resample_filter', setup_filter())
        self.padding = kernel_size // 2
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size * kernel_size)
        self.weight = torch.nn.Parameter(torch.randn([out_channels, in_channels, kernel_size, kernel_size]))
        self.bias = torch.nn.Parameter(torch.zeros([out_channels])) if bias else None

    def forward(self, x, gain=1.0):
        w = self.weight * self.weight_gain
        k = w.shape[-1]
        if self.down == 1:
            y = F.conv2d(x, w, padding=self.padding)
        else:
            p = self.padding
            pads = (p + 1, p + 1, p + 1, p + 1)   # + (4-2+1)//2 and (4-2)//2 of the filter
            if k == 1:
                y = F.conv2d(upfirdn2d(x, self.resample_filter, down=2, pad=pads), w)
            else:
                y = F.conv2d(upfirdn2d(x, self.resample_filter, pad=pads), w, stride=2)
        clamp = self.conv_clamp * gain if self.conv_clamp is not None else None
        return bias_act(y, self.bias, self.activation, gain, clamp)


class MappingNetwork(torch.nn.Module):
    def __init__(self, z_dim, w_dim, num_ws, num_layers=8, lr_multiplier=0.01, w_avg_beta=0.995):
        super().__init__()
        self.z_dim, self.w_dim, self.num_ws = z_dim, w_dim, num_ws
        self.num_layers = num_layers
        self.w_avg_beta = w_avg_beta
        feats = [z_dim] + [w_dim] * num_layers
        for idx in range(num_layers):
            setattr(self, 'fc%d' % idx, FullyConnectedLayer(feats[idx], feats[idx + 1], activation='lrelu',
                                                          lr_multiplier=lr_multiplier))
        self.register_buffer('w_avg', torch.zeros([w_dim]))

    def forward(self, z, truncation_psi=1, truncation_cutoff=None, skip_w_avg_update=False):
        x = normalize_2nd_moment(z)
        for idx in range(self.num_layers):
            x = getattr(self, 'fc%d' % idx)(x)
        if self.training and not skip_w_avg_update:
            self.w_avg.copy_(x.detach().mean(dim=0).lerp(self.w_avg, self.w_avg_beta))
        x = x.unsqueeze(1).repeat([1, self.num_ws, 1])
        if truncation_psi != 1:
            c = self.num_ws if truncation_cutoff is None else truncation_cutoff
            x = torch.cat([self.w_avg.lerp(x[:, :c], truncation_psi), x[:, c:]], dim=1)
        return x


class SynthesisLayer(torch.nn.Module):
    def __init__(self, in_channels, out_channels, w_dim, resolution, kernel_size=3, up=1, conv_clamp=None):
        super().__init__()
        self.resolution, self.up, self.conv_clamp = resolution, up, conv_clamp
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.register_buffer('resample_filter', setup_filter())
        self.padding = kernel_size // 2
        self.weight = torch.nn.Parameter(torch.randn([out_channels, in_channels, kernel_size, kernel_size]))
        self.register_buffer('noise_const', torch.randn([resolution, resolution]))
        self.noise_strength = torch.nn.Parameter(torch.zeros([]))
        self.bias = torch.nn.Parameter(torch.zeros([out_channels]))

    def forward(self, x, w, noise_mode='random', gain=1.0):
        styles = self.affine(w)
        noise = None
        if noise_mode == 'random':
            noise = randn([x.shape[0], 1, self.resolution, self.resolution]) * self.noise_strength
        elif noise_mode == 'const':
            noise = self.noise_const * self.noise_strength
        x = modulated_conv2d(x, self.weight, styles, noise, self.up, self.padding, self.resample_filter)
        clamp = self.conv_clamp * gain if self.conv_clamp is not None else None
        return bias_act(x, self.bias, 'lrelu', gain, clamp)


class ToRGBLayer(torch.nn.Module):
    def __init__(self, in_channels, out_channels, w_dim, kernel_size=1, conv_clamp=None):
        super().__init__()
        self.conv_clamp = conv_clamp
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = torch.nn.Parameter(torch.randn([out_channels, in_channels, kernel_size, kernel_size]))
        self.bias = torch.nn.Parameter(torch.zeros([out_channels]))
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size * kernel_size)

    def forward(self, x, w):
        styles = self.affine(w) * self.weight_gain
        x = modulated_conv2d(x, self.weight, styles, demodulate=False)
        return bias_act(x, self.bias, clamp=self.conv_clamp)


class SynthesisBlock(torch.nn.Module):
    def __init__(self, in_channels, out_channels, w_dim, resolution, img_channels, conv_clamp=None):
        super().__init__()
        self.in_channels = in_channels
        self.num_conv, self.num_torgb = 0, 1
        self.register_buffer('resample_filter', setup_filter())
        if in_channels == 0:
            self.const = torch.nn.Parameter(torch.randn([out_channels, resolution, resolution]))
        else:
            self.conv0 = SynthesisLayer(in_channels, out_channels, w_dim, resolution, up=2, conv_clamp=conv_clamp)
            self.num_conv += 1
        self.conv1 = SynthesisLayer(out_channels, out_channels, w_dim, resolution, conv_clamp=conv_clamp)
        self.num_conv += 1
        self.torgb = ToRGBLayer(out_channels, img_channels, w_dim, conv_clamp=conv_clamp)

    def forward(self, x, img, ws, noise_mode='random'):
        w = ws.unbind(dim=1)
        if self.in_channels == 0:
            x = self.const.unsqueeze(0).repeat([ws.shape[0], 1, 1, 1])
            x = self.conv1(x, w[0], noise_mode)
        else:
            x = self.conv0(x, w[0], noise_mode)
            x = self.conv1(x, w[1], noise_mode)
        if img is not None:
            img = upsample2d(img, self.resample_filter)
        y = self.torgb(x, w[self.num_conv])
        return x, (y if img is None else img + y)


def channels(res, channel_base, channel_max):
    return min(channel_base // res, channel_max)


class SynthesisNetwork(torch.nn.Module):
    def __init__(self, w_dim, img_resolution, img_channels=3, channel_base=32768, channel_max=512,
                 conv_clamp=None):
        super().__init__()
        self.res = [2 ** i for i in range(2, int(np.log2(img_resolution)) + 1)]
        self.num_ws = 0
        for r in self.res:
            cin = channels(r // 2, channel_base, channel_max) if r > 4 else 0
            block = SynthesisBlock(cin, channels(r, channel_base, channel_max), w_dim, r, img_channels, conv_clamp)
            self.num_ws += block.num_conv
            setattr(self, 'b%d' % r, block)
        self.num_ws += 1

    def forward(self, ws, noise_mode='random'):
        x = img = None
        i = 0
        for r in self.res:
            block = getattr(self, 'b%d' % r)
            x, img = block(x, img, ws.narrow(1, i, block.num_conv + 1), noise_mode)
            i += block.num_conv
        return img


class Generator(torch.nn.Module):
    def __init__(self, z_dim, w_dim, img_resolution, img_channels=3, num_layers=8, channel_base=32768,
                 channel_max=512, conv_clamp=None, lr_multiplier=0.01, w_avg_beta=0.995):
        super().__init__()
        self.z_dim, self.w_dim = z_dim, w_dim
        self.synthesis = SynthesisNetwork(w_dim, img_resolution, img_channels, channel_base, channel_max, conv_clamp)
        self.num_ws = self.synthesis.num_ws
        self.mapping = MappingNetwork(z_dim, w_dim, self.num_ws, num_layers, lr_multiplier, w_avg_beta)

    def forward(self, z, truncation_psi=1, truncation_cutoff=None, noise_mode='random'):
        return self.synthesis(self.mapping(z, truncation_psi, truncation_cutoff), noise_mode)


class MinibatchStdLayer(torch.nn.Module):
    def __init__(self, group_size, num_channels=1):
        super().__init__()
        self.group_size, self.num_channels = group_size, num_channels

    def forward(self, x):
        n, c, h, w = x.shape
        g = min(self.group_size, n)
        f = self.num_channels
        y = x.reshape(g, -1, f, c // f, h, w)
        y = y - y.mean(dim=0)
        y = (y.square().mean(dim=0) + 1e-8).sqrt()
        y = y.mean(dim=[2, 3, 4]).reshape(-1, f, 1, 1).repeat(g, 1, h, w)
        return torch.cat([x, y], dim=1)


class DiscriminatorBlock(torch.nn.Module):
    def __init__(self, in_channels, tmp_channels, out_channels, img_channels, conv_clamp=None):
        super().__init__()
        self.in_channels = in_channels
        self.register_buffer('resample_filter', setup_filter())
        if in_channels == 0:
            self.fromrgb = Conv2dLayer(img_channels, tmp_channels, 1, activation='lrelu', conv_clamp=conv_clamp)
        self.conv0 = Conv2dLayer(tmp_channels, tmp_channels, 3, activation='lrelu', conv_clamp=conv_clamp)
        self.conv1 = Conv2dLayer(tmp_channels, out_channels, 3, activation='lrelu', down=2, conv_clamp=conv_clamp)
        self.skip = Conv2dLayer(tmp_channels, out_channels, 1, bias=False, down=2)

    def forward(self, x, img):
        if self.in_channels == 0:
            x = self.fromrgb(img)
        y = self.skip(x, gain=math.sqrt(0.5))
        x = self.conv0(x)
        x = self.conv1(x, gain=math.sqrt(0.5))
        return y + x


class DiscriminatorEpilogue(torch.nn.Module):
    def __init__(self, in_channels, mbstd_group_size=4, mbstd_num_channels=1, conv_clamp=None):
        super().__init__()
        self.mbstd = MinibatchStdLayer(mbstd_group_size, mbstd_num_channels)
        self.conv = Conv2dLayer(in_channels + mbstd_num_channels, in_channels, 3, activation='lrelu',
                                conv_clamp=conv_clamp)
        self.fc = FullyConnectedLayer(in_channels * 16, in_channels, activation='lrelu')
        self.out = FullyConnectedLayer(in_channels, 1)

    def forward(self, x):
        x = self.conv(self.mbstd(x))
        return self.out(self.fc(x.flatten(1)))


class Discriminator(torch.nn.Module):
    def __init__(self, img_resolution, img_channels=3, channel_base=32768, channel_max=512, conv_clamp=None,
                 mbstd_group_size=4):
        super().__init__()
        self.res = [2 ** i for i in range(int(np.log2(img_resolution)), 2, -1)]
        for r in self.res:
            cin = channels(r, channel_base, channel_max) if r < img_resolution else 0
            setattr(self, 'b%d' % r, DiscriminatorBlock(cin, channels(r, channel_base, channel_max),
                                                        channels(r // 2, channel_base, channel_max),
                                                        img_channels, conv_clamp))
        self.b4 = DiscriminatorEpilogue(channels(4, channel_base, channel_max), mbstd_group_size,
                                        conv_clamp=conv_clamp)

    def forward(self, img):
        x = None
        for r in self.res:
            x = getattr(self, 'b%d' % r)(x, img)
        return self.b4(x)


# ---- StyleGAN2Loss -----------------------------------------------------------

class StyleGAN2Loss:
    """training/loss.py's StyleGAN2Loss without augmentation or conditioning."""

    def __init__(self, G, D, style_mixing_prob=0.9, r1_gamma=10.0, pl_batch_shrink=2, pl_decay=0.01,
                 pl_weight=2.0):
        self.G, self.D = G, D
        self.style_mixing_prob = style_mixing_prob
        self.r1_gamma = r1_gamma
        self.pl_batch_shrink, self.pl_decay, self.pl_weight = pl_batch_shrink, pl_decay, pl_weight
        self.pl_mean = torch.zeros([])

    def run_G(self, z):
        ws = self.G.mapping(z)
        if self.style_mixing_prob > 0:
            cutoff = draw_cutoff(ws.shape[1], self.style_mixing_prob)
            if cutoff < ws.shape[1]:
                ws2 = self.G.mapping(randn(list(z.shape)), skip_w_avg_update=True)
                ws = torch.cat([ws[:, :cutoff], ws2[:, cutoff:]], dim=1)
        return self.G.synthesis(ws), ws

    def accumulate_gradients(self, phase, real_img, gen_z, gain, record=None):
        rec = record if record is not None else {}
        if phase == 'Gmain':
            img, _ = self.run_G(gen_z)
            loss = F.softplus(-self.D(img))
            rec['Gmain'] = loss.mean().detach()
            loss.mean().mul(gain).backward()
        if phase == 'Greg' and self.pl_weight != 0:
            b = gen_z.shape[0] // self.pl_batch_shrink
            img, ws = self.run_G(gen_z[:b])
            pl_noise = randn(list(img.shape)) / np.sqrt(img.shape[2] * img.shape[3])
            g = torch.autograd.grad(outputs=[(img * pl_noise).sum()], inputs=[ws], create_graph=True)[0]
            lengths = g.square().sum(2).mean(1).sqrt()
            pl_mean = self.pl_mean.lerp(lengths.mean(), self.pl_decay)
            self.pl_mean.copy_(pl_mean.detach())
            loss = (lengths - pl_mean).square() * self.pl_weight
            rec['Gpl'] = loss.mean().detach()
            (img[:, 0, 0, 0] * 0 + loss).mean().mul(gain).backward()
        if phase == 'Dmain':
            img, _ = self.run_G(gen_z)
            loss = F.softplus(self.D(img))
            rec['Dgen'] = loss.mean().detach()
            loss.mean().mul(gain).backward()
        if phase in ('Dmain', 'Dreg'):
            r1 = phase == 'Dreg' and self.r1_gamma != 0
            x = real_img.detach().requires_grad_(r1)
            logits = self.D(x)
            loss = 0
            if phase == 'Dmain':
                loss = F.softplus(-logits)
                rec['Dreal'] = loss.mean().detach()
            if r1:
                g = torch.autograd.grad(outputs=[logits.sum()], inputs=[x], create_graph=True)[0]
                loss = g.square().sum([1, 2, 3]) * (self.r1_gamma / 2)
                rec['Dr1'] = loss.mean().detach()
            (logits * 0 + loss).mean().mul(gain).backward()
        return rec


def lazy_adam(params, lr, interval, betas=(0.0, 0.99), eps=1e-8):
    """Adam with the lazy-regularization correction: lr and betas scaled by
    interval / (interval + 1) (as a power for the betas)."""
    r = interval / (interval + 1)
    return torch.optim.Adam(params, lr=lr * r, betas=(betas[0] ** r, betas[1] ** r), eps=eps)


def clean_grads(module):
    for p in module.parameters():
        if p.grad is not None:
            torch.nan_to_num(p.grad, nan=0, posinf=1e5, neginf=-1e5, out=p.grad)


def ema_update(G_ema, G, batch, cur_nimg, ema_kimg, ema_rampup):
    ema_nimg = ema_kimg * 1000
    if ema_rampup is not None:
        ema_nimg = min(ema_nimg, cur_nimg * ema_rampup)
    beta = 0.5 ** (batch / max(ema_nimg, 1e-8))
    with torch.no_grad():
        for pe, p in zip(G_ema.parameters(), G.parameters()):
            pe.copy_(p.lerp(pe, beta))
        for be, b in zip(G_ema.buffers(), G.buffers()):
            be.copy_(b)
    return beta
