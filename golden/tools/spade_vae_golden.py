#!/usr/bin/env python3
"""Goldens of gan99's SPADE VAE path and VGG loss slot (gan/spade.c,
gan/spade_vgg.c, gan/train_spade.c) from PyTorch 1.13: NVlabs/SPADE's
ConvEncoder (models/networks/encoder.py), KLDLoss and VGGLoss
(models/networks/loss.py) and Pix2PixModel's use_vae path
(models/pix2pix_model.py), rebuilt here from doc/models.md §3 with the
same module nesting (keys "layer1.0.weight_orig", "fc_mu.weight" ...). The
generator and discriminator are spade_golden.py's.

The encoder: the reference resizes every input to 256 bilinear and runs 6
stride-2 layers (5 below crop 256, which its 4x4 fc_mu then refuses);
gan99 keeps that from size 256 up and runs log2(size / 4) layers on the
image as it is below 256 (doc/models.md §3.7). ENC_LAYERS says so here.

Inputs that would be large (the 256x256 photo of the reference-sized
encoder case, every VGG19 weight) are not stored: both sides make them
from splitmix64 (hash_floats below; tests/test_spade.c has the same):
element i of tensor t is splitmix64((t << 32) | i) >> 40, a 24-bit u, as
(u - 2^23) / 2^23 in [-1, 1), times a float32 scale. Every step is exact
in float32 but the last product, which IEEE rounds the same on both sides.

Writes golden/spade/vae.safetensors:
  metadata "e64", "e256", "e32": the encoders' state_dict key lists
  "enc64.*", "enc256.*", "enc512.*"  encoder forwards: weights "w.<key>"
      (torch's default init, fc biases perturbed), input "x" (enc64; for
      enc256 and enc512 "xhash", the hash tensor whose values times 1 are
      the photo), "mu", "logvar" (train), "after.<key>" (u, v after the
      power iteration), "eval_mu", "eval_logvar"
  "kld.*"  KLDLoss: "mu", "logvar" [2,8], "loss" (unweighted sum),
      "grad_mu", "grad_logvar"
  "vstep.*"  3 iterations of Pix2PixTrainer with use_vae (one batch used 3
      times): "w.G.", "w.D.", "w.E." initial weights (xavier 0.02), "seg",
      "img", "eps" [steps, 2, N, z] (G step's then D step's draw),
      "losses" [steps, 5] (GAN, GAN_Feat, D_Fake, D_real, KLD weighted),
      "grad.G.", "grad.E." (first G step), "grad.D." (first D step),
      "after.G.", "after.D.", "after.E." after the 3 iterations
Writes golden/spade/vgg.safetensors (VGG19 features of hash weights:
conv k's weight is hash tensor 2k times float32(sqrt(6 / (in 9))), its bias
hash tensor 2k+1 times 1/16):
  "x", "y" [2,3,16,16]: fake and real; "f<k>" the 5 features of x
  (relu1_1 .. relu5_1); "loss" (VGGLoss, unweighted by lambda_vgg);
  (both VGG cases are drawn again until no max pool window and no L1
  element is within 1e-6 relative of a tie: see well_conditioned);
  "grad_x"; "gstep64.*": one iteration with use_vae and the VGG loss
  (lambda_vgg 10) at 64x64: "w.G/D/E.<key>", "seg", "img", "eps" [1,2,N,z],
  "losses" [1,6] (GAN, GAN_Feat, D_Fake, D_real, KLD, VGG), "grad.G.",
  "grad.E." from the G step
Run: /usr/bin/python3 golden/tools/spade_vae_golden.py   (torch 1.13)
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_write  # noqa: E402
import spade_golden as sg  # noqa: E402

OUT = sg.OUT
torch.set_num_threads(1)
L = sg.L


def hash_floats(t, n, scale):
    """Tensor t's n values: splitmix64((t << 32) | i) >> 40 as a float in
    [-1, 1), times scale (a float32)."""
    with np.errstate(over='ignore'):
        x = (np.uint64(t) << np.uint64(32)) | np.arange(n, dtype=np.uint64)
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.float32)
    f = (u - np.float32(8388608.0)) * np.float32(1.0 / 8388608.0)
    return torch.from_numpy(f * np.float32(scale))


def enc_layers(size):
    if size >= 256:
        return 6
    return int(round(math.log2(size // 4)))


class ConvEncoder(nn.Module):
    def __init__(self, size, nef, z_dim):
        super().__init__()
        self.resize = size > 256
        self.n = enc_layers(size)
        mult = [1, 2, 4, 8, 8, 8]

        def norm(layer):   # get_nonspade_norm_layer('spectralinstance')
            layer = spectral_norm(layer)
            delattr(layer, 'bias')
            layer.register_parameter('bias', None)
            return nn.Sequential(layer, nn.InstanceNorm2d(layer.out_channels, affine=False))

        cin = 3
        for k in range(self.n):
            self.add_module('layer%d' % (k + 1), norm(nn.Conv2d(cin, nef * mult[k], 3, stride=2, padding=1)))
            cin = nef * mult[k]
        self.fc_mu = nn.Linear(cin * 16, z_dim)
        self.fc_var = nn.Linear(cin * 16, z_dim)
        self.actvn = nn.LeakyReLU(0.2, False)

    def forward(self, x):
        if self.resize:
            x = F.interpolate(x, size=(256, 256), mode='bilinear')
        x = self.layer1(x)
        for k in range(2, self.n + 1):
            x = getattr(self, 'layer%d' % k)(self.actvn(x))
        x = self.actvn(x)
        x = x.view(x.size(0), -1)
        return self.fc_mu(x), self.fc_var(x)


def kld(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def perturb_fc(net):
    with torch.no_grad():
        net.fc_mu.bias.copy_(torch.randn_like(net.fc_mu.bias) * 0.1)
        net.fc_var.bias.copy_(torch.randn_like(net.fc_var.bias) * 0.1)


def enc_case(out, case, size, nef, z_dim, x, store_x):
    net = ConvEncoder(size, nef, z_dim)
    perturb_fc(net)
    out.update(sg.state(net, case + '.w.'))
    if store_x:
        out[case + '.x'] = x
    net.train()
    mu, logvar = net(x)
    out[case + '.mu'], out[case + '.logvar'] = mu.detach(), logvar.detach()
    out.update(sg.buffers_after(net, case + '.after.'))
    net.eval()
    with torch.no_grad():
        out[case + '.eval_mu'], out[case + '.eval_logvar'] = net(x)


def vae_file():
    torch.manual_seed(20261205)
    out = {}
    meta = {
        'e64': sg.key_list(ConvEncoder(64, 4, 8)),
        'e256': sg.key_list(ConvEncoder(256, 2, 8)),
        'e32': sg.key_list(ConvEncoder(32, 16, 256)),
    }
    enc_case(out, 'enc64', 64, 4, 8, torch.rand(2, 3, 64, 64) * 2 - 1, True)
    enc_case(out, 'enc256', 256, 2, 8, hash_floats(1000, 3 * 256 * 256, 1.0).view(1, 3, 256, 256), False)
    out['enc256.xhash'] = torch.tensor([1000.0])
    # above 256: the reference's bilinear resize to 256 first
    enc_case(out, 'enc512', 512, 1, 8, hash_floats(1001, 3 * 512 * 512, 1.0).view(1, 3, 512, 512), False)
    out['enc512.xhash'] = torch.tensor([1001.0])
    # KLDLoss alone
    mu = torch.randn(2, 8, requires_grad=True)
    logvar = (torch.randn(2, 8) * 0.5).requires_grad_()
    loss = kld(mu, logvar)
    loss.backward()
    out['kld.mu'], out['kld.logvar'], out['kld.loss'] = mu.detach(), logvar.detach(), loss.detach()
    out['kld.grad_mu'], out['kld.grad_logvar'] = mu.grad.clone(), logvar.grad.clone()
    vae_step(out)
    st_write.save(os.path.join(OUT, 'vae.safetensors'), out, meta)


def vae_step(out):
    case, size, ngf, nhidden, ndf, z_dim, nef, steps, n = 'vstep', 64, 1, 8, 4, 8, 4, 3, 2
    g = sg.SPADEGenerator(size, L, ngf, z_dim, 'normal', 'batch', nhidden)
    d = sg.MultiscaleDiscriminator(L + 3, ndf, 4, 2)
    e = ConvEncoder(size, nef, z_dim)
    for net in (g, d, e):
        sg.init_xavier(net)
    out.update(sg.state(g, case + '.w.G.'))
    out.update(sg.state(d, case + '.w.D.'))
    out.update(sg.state(e, case + '.w.E.'))
    # create_optimizers: G's and E's parameters in one Adam
    opt_g = torch.optim.Adam(list(g.parameters()) + list(e.parameters()), lr=1e-4, betas=(0.0, 0.9))
    opt_d = torch.optim.Adam(d.parameters(), lr=4e-4, betas=(0.0, 0.9))
    seg = sg.onehot(n, L, size, size)
    real = torch.rand(n, 3, size, size) * 2 - 1
    eps = torch.randn(steps, 2, n, z_dim)
    for net in (g, d, e):
        net.train()
    losses = []

    def discriminate(fake):
        both = torch.cat([torch.cat([seg, fake], 1), torch.cat([seg, real], 1)], 0)
        out_d = d(both)
        return [[f[:f.size(0) // 2] for f in p] for p in out_d], [[f[f.size(0) // 2:] for f in p] for p in out_d]

    for s in range(steps):
        # G step: generate_fake(compute_kld_loss=True)
        opt_g.zero_grad()
        mu, logvar = e(real)
        z = eps[s, 0].mul(torch.exp(0.5 * logvar)) + mu
        l_kld = kld(mu, logvar) * 0.05
        fake = g(seg, z)
        pf, pr = discriminate(fake)
        l_gan = -sum(torch.mean(p[-1]) for p in pf) / len(pf)
        l_feat = torch.zeros(1)
        for i in range(len(pf)):
            for j in range(len(pf[i]) - 1):
                l_feat = l_feat + F.l1_loss(pf[i][j], pr[i][j].detach()) * 10.0 / len(pf)
        (l_kld + l_gan + l_feat).mean().backward()
        if s == 0:
            for k, p in g.named_parameters():
                out[case + '.grad.G.' + k] = p.grad.clone()
            for k, p in e.named_parameters():
                out[case + '.grad.E.' + k] = p.grad.clone()
        opt_g.step()
        # D step: the fake from E and G again, under no_grad
        opt_d.zero_grad()
        with torch.no_grad():
            mu, logvar = e(real)
            z = eps[s, 1].mul(torch.exp(0.5 * logvar)) + mu
            fake = g(seg, z).detach()
        pf, pr = discriminate(fake)
        l_dfake = sg.hinge_d(pf, False)
        l_dreal = sg.hinge_d(pr, True)
        (l_dfake + l_dreal).backward()
        if s == 0:
            for k, p in d.named_parameters():
                out[case + '.grad.D.' + k] = p.grad.clone()
        opt_d.step()
        losses.append([l_gan.item(), l_feat.item(), l_dfake.item(), l_dreal.item(), l_kld.item()])
    out[case + '.seg'] = seg
    out[case + '.img'] = real
    out[case + '.eps'] = eps
    out[case + '.losses'] = torch.tensor(losses)
    out.update(sg.state(g, case + '.after.G.'))
    out.update(sg.state(d, case + '.after.D.'))
    out.update(sg.state(e, case + '.after.E.'))


# torchvision's vgg19().features (configuration E): 'M' a 2x2 max pool
VGG_CFG = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M']


def vgg19_features():
    layers, cin = [], 3
    for v in VGG_CFG:
        if v == 'M':
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(cin, v, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            cin = v
    return nn.Sequential(*layers)


MARGIN = 1e-6


def pool_margin(feats, x):
    """The smallest relative gap between the two largest values of a max
    pool window (windows whose largest is <= 0 pass no gradient on)."""
    worst = 1.0
    with torch.no_grad():
        for i in range(29):
            if isinstance(feats[i], nn.MaxPool2d):
                n, c, h, w = x.shape
                t = x.reshape(n, c, h // 2, 2, w // 2, 2).permute(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)
                s, _ = torch.sort(t, dim=-1, descending=True)
                gap = (s[..., 0] - s[..., 1]) / s[..., 0].clamp(min=1e-30)
                gap[s[..., 0] <= 0] = 1.0
                worst = min(worst, gap.min().item())
            x = feats[i](x)
    return worst


def l1_margin(fx, fy):
    """The smallest relative |fx - fy| where either is nonzero: at a tie
    torch's sign is 0, and a rounding either side flips the L1 gradient."""
    worst = 1.0
    with torch.no_grad():
        for a, b in zip(fx, fy):
            d = (a - b).abs() / torch.maximum(a.abs(), b.abs()).clamp(min=1e-30)
            d[(a == 0) & (b == 0)] = 1.0
            worst = min(worst, d.min().item())
    return worst


def well_conditioned(feats, fx, fy, x, y):
    """VGGLoss's gradient is discontinuous at a max pool tie and where a
    fake feature equals the real one; a draw with such a near tie (relative
    gap under MARGIN, which float32 rounding can cross) is drawn again."""
    return min(pool_margin(feats, x.detach()), pool_margin(feats, y.detach()), l1_margin(fx, fy)) > MARGIN


def vgg_file():
    torch.manual_seed(20261206)
    feats = vgg19_features()
    k = 0
    with torch.no_grad():
        for idx, m in enumerate(feats):
            if isinstance(m, nn.Conv2d):
                if idx > 28:
                    break
                fan_in = m.in_channels * 9
                m.weight.copy_(hash_floats(2 * k, m.weight.numel(), np.float32(math.sqrt(6.0 / fan_in))).view_as(m.weight))
                m.bias.copy_(hash_floats(2 * k + 1, m.bias.numel(), np.float32(1.0 / 16)))
                k += 1
    assert k == 13
    # the reference's slices: [0, 2), [2, 7), [7, 12), [12, 21), [21, 30)
    cuts = [(0, 2), (2, 7), (7, 12), (12, 21), (21, 30)]

    def run(x):
        res = []
        for a, b in cuts:
            for i in range(a, b):
                x = feats[i](x)
            res.append(x)
        return res

    for attempt in range(100):
        torch.manual_seed(20261207 + attempt)
        x = (torch.rand(2, 3, 16, 16) * 2 - 1).requires_grad_()
        y = torch.rand(2, 3, 16, 16) * 2 - 1
        fx, fy = run(x), run(y)
        if well_conditioned(feats, fx, fy, x, y):
            break
    print('vgg: draw %d' % attempt)
    w = [1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0]
    loss = 0
    for i in range(5):
        loss += w[i] * F.l1_loss(fx[i], fy[i].detach())
    loss.backward()
    out = {'x': x.detach(), 'y': y, 'loss': loss.detach(), 'grad_x': x.grad.clone()}
    for i in range(5):
        out['f%d' % i] = fx[i].detach()
    vgg_step(out, run, feats)
    st_write.save(os.path.join(OUT, 'vgg.safetensors'), out)


def vgg_step(out, vgg, feats):
    for attempt in range(100):
        torch.manual_seed(20261300 + attempt)
        part = {}
        if vgg_step_try(part, vgg, feats):
            break
    print('gstep64: draw %d' % attempt)
    out.update(part)


def vgg_step_try(out, vgg, feats):
    """One iteration with use_vae and the VGG loss (lambda_vgg 10) at 64x64 (at 32 the generator starts at 1x1, where batch norm of two values turns rounding into gradients far past the tolerance)."""
    case, size, ngf, nhidden, ndf, z_dim, nef, n = 'gstep64', 64, 1, 8, 4, 8, 4, 2
    g = sg.SPADEGenerator(size, L, ngf, z_dim, 'normal', 'batch', nhidden)
    d = sg.MultiscaleDiscriminator(L + 3, ndf, 4, 2)
    e = ConvEncoder(size, nef, z_dim)
    for net in (g, d, e):
        sg.init_xavier(net)
        net.train()
    out.update(sg.state(g, case + '.w.G.'))
    out.update(sg.state(d, case + '.w.D.'))
    out.update(sg.state(e, case + '.w.E.'))
    seg = sg.onehot(n, L, size, size)
    real = torch.rand(n, 3, size, size) * 2 - 1
    eps = torch.randn(1, 2, n, z_dim)
    opt_g = torch.optim.Adam(list(g.parameters()) + list(e.parameters()), lr=1e-4, betas=(0.0, 0.9))
    opt_d = torch.optim.Adam(d.parameters(), lr=4e-4, betas=(0.0, 0.9))

    def discriminate(fake):
        both = torch.cat([torch.cat([seg, fake], 1), torch.cat([seg, real], 1)], 0)
        out_d = d(both)
        return [[f[:f.size(0) // 2] for f in p] for p in out_d], [[f[f.size(0) // 2:] for f in p] for p in out_d]

    opt_g.zero_grad()
    mu, logvar = e(real)
    z = eps[0, 0].mul(torch.exp(0.5 * logvar)) + mu
    l_kld = kld(mu, logvar) * 0.05
    fake = g(seg, z)
    pf, pr = discriminate(fake)
    l_gan = -sum(torch.mean(p[-1]) for p in pf) / len(pf)
    l_feat = torch.zeros(1)
    for i in range(len(pf)):
        for j in range(len(pf[i]) - 1):
            l_feat = l_feat + F.l1_loss(pf[i][j], pr[i][j].detach()) * 10.0 / len(pf)
    fx, fy = vgg(fake), vgg(real)
    if not well_conditioned(feats, fx, fy, fake, real):
        return False
    w = [1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0]
    l_vgg = 0
    for i in range(5):
        l_vgg += w[i] * F.l1_loss(fx[i], fy[i].detach())
    l_vgg = l_vgg * 10.0
    (l_kld + l_gan + l_feat + l_vgg).mean().backward()
    for k, p in g.named_parameters():
        out[case + '.grad.G.' + k] = p.grad.clone()
    for k, p in e.named_parameters():
        out[case + '.grad.E.' + k] = p.grad.clone()
    opt_g.step()
    opt_d.zero_grad()
    with torch.no_grad():
        mu, logvar = e(real)
        z = eps[0, 1].mul(torch.exp(0.5 * logvar)) + mu
        fake = g(seg, z).detach()
    pf, pr = discriminate(fake)
    l_dfake = sg.hinge_d(pf, False)
    l_dreal = sg.hinge_d(pr, True)
    (l_dfake + l_dreal).backward()
    opt_d.step()
    out[case + '.seg'] = seg
    out[case + '.img'] = real
    out[case + '.eps'] = eps
    out[case + '.losses'] = torch.tensor([[l_gan.item(), l_feat.item(), l_dfake.item(), l_dreal.item(), l_kld.item(),
                                           l_vgg.item()]])
    return True


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    vae_file()
    vgg_file()
