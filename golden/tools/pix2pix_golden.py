#!/usr/bin/env python3
"""Goldens of gan99's pix2pix (gan/pix2pix.c, gan/train_pix2pix.c) from
PyTorch: the networks of junyanz/pytorch-CycleGAN-and-pix2pix
(models/networks.py: UnetGenerator of nested UnetSkipConnectionBlocks,
NLayerDiscriminator, PixelDiscriminator) rebuilt here from doc/models.md §2
with the same module nesting, so torch's state_dict keys are the
reference's, and Pix2PixModel.optimize_parameters' step.

Writes golden/pix2pix/:
  keys.safetensors     metadata only: per network config "<name>" the
                       state_dict as "key[d0,d1,...]" joined by spaces, in
                       torch's order (gan99 must declare the same list)
  forward.safetensors  per case "<case>.": the weights under "<case>.w.<key>"
                       (torch init, BN beta / running stats perturbed so
                       every tensor matters), the input "x", the train-mode
                       output "train" (batch statistics; dropout masks
                       "mask.<i>" drawn here, innermost first), the running
                       statistics after it "after.<key>", then the eval-mode
                       output "eval"
  step.safetensors     per case: init weights "w.G.<key>" / "w.D.<key>",
                       A [steps,2,...] and B, losses [steps,4] (G_GAN, G_L1,
                       D_real, D_fake), first-step gradients "grad.G/D.<key>"
                       (D's from backward_D, G's from backward_G), and
                       "after.G/D.<key>" after the last step
  model.safetensors    a G state_dict as torch saves it (num_batches_tracked
                       int64), with gan99.arch/gan99.config so gan99 loads
                       it as a model file; model_io.safetensors has an input
                       A and G(A) in train mode (no dropout at num_downs 5)
Run: /usr/bin/python3 golden/tools/pix2pix_golden.py   (torch 1.13)
"""
import functools
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_write  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'pix2pix')
torch.manual_seed(20261203)
torch.set_num_threads(1)


def norm_layer(kind):
    if kind == 'batch':
        return functools.partial(nn.BatchNorm2d, affine=True, track_running_stats=True)
    return functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)


class Level(nn.Module):
    """One U-Net level: outer <- inner channels, around the level inside."""

    def __init__(self, outer, inner, in_nc, inside, kind, outermost=False, innermost=False, dropout=False):
        super().__init__()
        norm = norm_layer(kind)
        bias = kind == 'instance'
        self.outermost = outermost
        if in_nc is None:
            in_nc = outer
        down = nn.Conv2d(in_nc, inner, 4, 2, 1, bias=bias)
        if outermost:
            layers = [down, inside, nn.ReLU(True), nn.ConvTranspose2d(2 * inner, outer, 4, 2, 1), nn.Tanh()]
        elif innermost:
            layers = [nn.LeakyReLU(0.2, True), down, nn.ReLU(True),
                      nn.ConvTranspose2d(inner, outer, 4, 2, 1, bias=bias), norm(outer)]
        else:
            layers = [nn.LeakyReLU(0.2, True), down, norm(inner), inside, nn.ReLU(True),
                      nn.ConvTranspose2d(2 * inner, outer, 4, 2, 1, bias=bias), norm(outer)]
            if dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class Unet(nn.Module):
    def __init__(self, in_nc, out_nc, num_downs, ngf, kind, dropout=True):
        super().__init__()
        b = Level(ngf * 8, ngf * 8, None, None, kind, innermost=True)
        for _ in range(num_downs - 5):
            b = Level(ngf * 8, ngf * 8, None, b, kind, dropout=dropout)
        b = Level(ngf * 4, ngf * 8, None, b, kind)
        b = Level(ngf * 2, ngf * 4, None, b, kind)
        b = Level(ngf, ngf * 2, None, b, kind)
        self.model = Level(out_nc, ngf, in_nc, b, kind, outermost=True)

    def forward(self, x):
        return self.model(x)


class NLayer(nn.Module):
    def __init__(self, in_nc, ndf, n_layers, kind):
        super().__init__()
        norm = norm_layer(kind)
        bias = kind == 'instance'
        seq = [nn.Conv2d(in_nc, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers):
            prev, mult = mult, min(2 ** n, 8)
            seq += [nn.Conv2d(ndf * prev, ndf * mult, 4, 2, 1, bias=bias), norm(ndf * mult), nn.LeakyReLU(0.2, True)]
        prev, mult = mult, min(2 ** n_layers, 8)
        seq += [nn.Conv2d(ndf * prev, ndf * mult, 4, 1, 1, bias=bias), norm(ndf * mult), nn.LeakyReLU(0.2, True)]
        seq += [nn.Conv2d(ndf * mult, 1, 4, 1, 1)]
        self.model = nn.Sequential(*seq)

    def forward(self, x):
        return self.model(x)


class Pixel(nn.Module):
    def __init__(self, in_nc, ndf, kind):
        super().__init__()
        norm = norm_layer(kind)
        bias = kind == 'instance'
        self.net = nn.Sequential(nn.Conv2d(in_nc, ndf, 1, 1, 0), nn.LeakyReLU(0.2, True),
                                 nn.Conv2d(ndf, ndf * 2, 1, 1, 0, bias=bias), norm(ndf * 2), nn.LeakyReLU(0.2, True),
                                 nn.Conv2d(ndf * 2, 1, 1, 1, 0, bias=bias))

    def forward(self, x):
        return self.net(x)


def init_normal(net):
    """init_weights('normal', 0.02)."""
    for m in net.modules():
        name = m.__class__.__name__
        if hasattr(m, 'weight') and m.weight is not None and ('Conv' in name or 'Linear' in name):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.constant_(m.bias, 0.0)
        elif 'BatchNorm2d' in name:
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.constant_(m.bias, 0.0)


def key_list(net):
    return ' '.join('%s[%s]' % (k, ','.join(str(d) for d in v.shape)) for k, v in net.state_dict().items())


def perturb(net):
    """Non-trivial BN betas and running statistics (and conv biases)."""
    with torch.no_grad():
        for k, v in net.state_dict().items():
            if k.endswith('bias') or k.endswith('running_mean'):
                v.copy_(torch.randn_like(v) * 0.1)
            elif k.endswith('running_var'):
                v.copy_(torch.rand_like(v) + 0.5)


class Masks:
    """Replaces each nn.Dropout's draw by a recorded keep mask (innermost
    first, the order the forward reaches them)."""

    def __init__(self, net):
        self.masks = []
        for m in net.modules():
            if isinstance(m, nn.Dropout):
                m.forward = self.make(m)

    def make(self, mod):
        def fwd(x):
            if not mod.training:
                return x
            keep = (torch.rand_like(x) >= 0.5).float()
            self.masks.append(keep)
            return x * keep * 2.0
        return fwd


def state(net, prefix):
    return {prefix + k: v.clone() for k, v in net.state_dict().items()}


def keys_file():
    meta = {}
    meta['unet5_batch'] = key_list(Unet(3, 3, 5, 4, 'batch'))
    meta['unet8_batch'] = key_list(Unet(3, 2, 8, 2, 'batch'))
    meta['unet7_instance'] = key_list(Unet(1, 3, 7, 2, 'instance'))
    meta['unet6_nodrop'] = key_list(Unet(3, 3, 6, 2, 'batch', dropout=False))
    meta['basic_batch'] = key_list(NLayer(6, 4, 3, 'batch'))
    meta['n_layers5_instance'] = key_list(NLayer(4, 2, 5, 'instance'))
    meta['n_layers1_batch'] = key_list(NLayer(6, 4, 1, 'batch'))
    meta['pixel_batch'] = key_list(Pixel(6, 4, 'batch'))
    meta['pixel_instance'] = key_list(Pixel(6, 4, 'instance'))
    st_write.save(os.path.join(OUT, 'keys.safetensors'), {'none': torch.zeros(1)}, meta)


def forward_file():
    out = {}
    # (case, net, input shape)
    cases = [
        ('g32', Unet(3, 3, 5, 4, 'batch'), (2, 3, 32, 32)),
        ('g32x64', Unet(3, 3, 5, 2, 'batch'), (2, 3, 32, 64)),   # H 32, W 64
        ('g64drop', Unet(3, 3, 6, 2, 'batch'), (2, 3, 64, 64)),
        ('g32inst', Unet(1, 3, 5, 2, 'instance'), (2, 1, 32, 32)),
        ('dbasic', NLayer(6, 4, 3, 'batch'), (2, 6, 32, 32)),
        ('dpixel', Pixel(6, 4, 'instance'), (2, 6, 16, 16)),
        ('dn2', NLayer(6, 4, 2, 'batch'), (2, 6, 32, 48)),
    ]
    for case, net, shape in cases:
        init_normal(net)
        perturb(net)
        masks = Masks(net)
        out.update(state(net, case + '.w.'))
        x = torch.randn(*shape)
        net.train()
        y = net(x)
        out[case + '.x'] = x
        out[case + '.train'] = y.detach()
        for i, m in enumerate(masks.masks):
            out['%s.mask.%d' % (case, i)] = m
        out.update({k: v for k, v in state(net, case + '.after.').items() if 'running' in k or 'tracked' in k})
        net.eval()
        with torch.no_grad():
            out[case + '.eval'] = net(x)
    st_write.save(os.path.join(OUT, 'forward.safetensors'), out)


def gan_loss(mode, pred, real):
    target = torch.full_like(pred, 1.0 if real else 0.0)
    if mode == 'lsgan':
        return nn.functional.mse_loss(pred, target)
    return nn.functional.binary_cross_entropy_with_logits(pred, target)


def step_file():
    out = {}
    # (case, norm, gan_mode, netD, steps)
    cases = [('vanilla', 'batch', 'vanilla', 'basic', 3), ('lsgan', 'instance', 'lsgan', 'pixel', 2)]
    for case, kind, mode, netd, steps in cases:
        g = Unet(3, 3, 5, 4, kind)
        d = NLayer(6, 4, 3, kind) if netd == 'basic' else Pixel(6, 4, kind)
        init_normal(g)
        init_normal(d)
        out.update(state(g, case + '.w.G.'))
        out.update(state(d, case + '.w.D.'))
        opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
        a_all = torch.rand(steps, 2, 3, 32, 32) * 2 - 1
        b_all = torch.rand(steps, 2, 3, 32, 32) * 2 - 1
        losses = []
        g.train()
        d.train()
        for s in range(steps):
            a, b = a_all[s], b_all[s]
            fake = g(a)
            for p in d.parameters():
                p.requires_grad_(True)
            opt_d.zero_grad()
            l_fake = gan_loss(mode, d(torch.cat((a, fake), 1).detach()), False)
            l_real = gan_loss(mode, d(torch.cat((a, b), 1)), True)
            ((l_fake + l_real) * 0.5).backward()
            opt_d.step()
            for p in d.parameters():
                p.requires_grad_(False)
            opt_g.zero_grad()
            l_gan = gan_loss(mode, d(torch.cat((a, fake), 1)), True)
            l_l1 = nn.functional.l1_loss(fake, b) * 100.0
            (l_gan + l_l1).backward()
            opt_g.step()
            losses.append([l_gan.item(), l_l1.item(), l_real.item(), l_fake.item()])
            if s == 0:
                for k, p in g.named_parameters():
                    out[case + '.grad.G.' + k] = p.grad.clone()
                for k, p in d.named_parameters():
                    out[case + '.grad.D.' + k] = p.grad.clone()
        out[case + '.A'] = a_all
        out[case + '.B'] = b_all
        out[case + '.losses'] = torch.tensor(losses)
        out.update(state(g, case + '.after.G.'))
        out.update(state(d, case + '.after.D.'))
    st_write.save(os.path.join(OUT, 'step.safetensors'), out)


def model_file():
    g = Unet(3, 3, 5, 4, 'batch')
    init_normal(g)
    perturb(g)
    cfg = ('{"height":32,"input_nc":3,"n_layers_D":3,"ndf":4,"netD":"basic","ngf":4,"no_dropout":0,'
           '"norm":"batch","num_downs":5,"output_nc":3,"width":32}')
    st_write.save(os.path.join(OUT, 'model.safetensors'), state(g, ''),
                  {'gan99.arch': 'pix2pix', 'gan99.config': cfg, 'gan99.version': 'torch'})
    # the reference loads its own file back strictly
    h = Unet(3, 3, 5, 4, 'batch')
    h.load_state_dict(g.state_dict(), strict=True)
    a = torch.rand(2, 3, 32, 32) * 2 - 1
    h.train()
    st_write.save(os.path.join(OUT, 'model_io.safetensors'), {'A': a, 'out': h(a).detach()})


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    keys_file()
    forward_file()
    step_file()
    model_file()
