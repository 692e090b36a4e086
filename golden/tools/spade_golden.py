#!/usr/bin/env python3
"""Goldens of gan99's SPADE (gan/spade.c) from PyTorch 1.13: the networks
of NVlabs/SPADE (models/networks/normalization.py SPADE,
architecture.py SPADEResnetBlock, generator.py SPADEGenerator,
discriminator.py MultiscaleDiscriminator / NLayerDiscriminator) rebuilt
here from doc/models.md §3 with the
same module nesting, so torch's state_dict keys are the reference's
("head_0.norm_0.mlp_shared.0.weight", "discriminator_0.model1.0.0.weight_orig"
...), at reduced widths (nhidden, the SPADE layer's hidden width, is a
parameter here; the reference hard-codes 128).

Writes golden/spade/:
  keys.safetensors     metadata only: per config "<name>" the state_dict as
                       "key[d0,...]" joined by spaces, in torch's order
  forward.safetensors  per case "<case>.": weights "<case>.w.<key>" (torch's
                       default init, biases and BN running statistics
                       perturbed so every tensor matters), inputs "x",
                       "seg" (one-hot), "z"; the train-mode output "train"
                       (D: "train.<i>.<j>", scale i, layer j), the buffers
                       after it "after.<key>" (running statistics, spectral
                       norm's weight_u / weight_v after one power
                       iteration, num_batches_tracked), then the eval-mode
                       output "eval" (D: "eval.<i>.<j>")
  step.safetensors     Pix2PixModel + Pix2PixTrainer steps (G step, then D
                       step, each D pass on cat(fake, real) along the batch,
                       the D step's fake from G again under no_grad): hinge
                       loss, feature matching lambda 10, TTUR Adam G 1e-4 /
                       D 4e-4 betas (0, 0.9), xavier init gain 0.02. Per
                       case: "w.G.<key>", "w.D.<key>", "seg" [steps,N,L,H,W],
                       "img" [steps,N,3,H,W], "losses" [steps,4] (GAN,
                       GAN_Feat, D_Fake, D_real), the first iteration's
                       gradients "grad.G.<key>" (G step) and "grad.D.<key>"
                       (D step), "after1.G/D.<key>" after the first
                       iteration and "after.G/D.<key>" after the last
Run: /usr/bin/python3 golden/tools/spade_golden.py   (torch 1.13)
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_write  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'spade')
torch.manual_seed(20261204)
torch.set_num_threads(1)


class SPADE(nn.Module):
    def __init__(self, norm_nc, label_nc, kind, nhidden):
        super().__init__()
        if kind == 'instance':
            self.param_free_norm = nn.InstanceNorm2d(norm_nc, affine=False)
        else:
            self.param_free_norm = nn.BatchNorm2d(norm_nc, affine=False)
        self.mlp_shared = nn.Sequential(nn.Conv2d(label_nc, nhidden, 3, padding=1), nn.ReLU())
        self.mlp_gamma = nn.Conv2d(nhidden, norm_nc, 3, padding=1)
        self.mlp_beta = nn.Conv2d(nhidden, norm_nc, 3, padding=1)

    def forward(self, x, segmap):
        normalized = self.param_free_norm(x)
        segmap = F.interpolate(segmap, size=x.size()[2:], mode='nearest')
        actv = self.mlp_shared(segmap)
        return normalized * (1 + self.mlp_gamma(actv)) + self.mlp_beta(actv)


class SPADEResnetBlock(nn.Module):
    def __init__(self, fin, fout, label_nc, kind, nhidden):
        super().__init__()
        self.learned_shortcut = fin != fout
        fmiddle = min(fin, fout)
        self.conv_0 = nn.Conv2d(fin, fmiddle, 3, padding=1)
        self.conv_1 = nn.Conv2d(fmiddle, fout, 3, padding=1)
        if self.learned_shortcut:
            self.conv_s = nn.Conv2d(fin, fout, 1, bias=False)
        self.conv_0 = spectral_norm(self.conv_0)
        self.conv_1 = spectral_norm(self.conv_1)
        if self.learned_shortcut:
            self.conv_s = spectral_norm(self.conv_s)
        self.norm_0 = SPADE(fin, label_nc, kind, nhidden)
        self.norm_1 = SPADE(fmiddle, label_nc, kind, nhidden)
        if self.learned_shortcut:
            self.norm_s = SPADE(fin, label_nc, kind, nhidden)

    def forward(self, x, seg):
        x_s = self.conv_s(self.norm_s(x, seg)) if self.learned_shortcut else x
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, seg), 2e-1))
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, seg), 2e-1))
        return x_s + dx


class SPADEGenerator(nn.Module):
    def __init__(self, size, label_nc, ngf, z_dim, schedule, kind, nhidden):
        super().__init__()
        nf = ngf
        self.schedule = schedule
        self.nf = nf
        ups = 5 if schedule == 'normal' else 6
        self.sw = self.sh = size // (2 ** ups)
        self.z_dim = z_dim
        if z_dim:
            self.fc = nn.Linear(z_dim, 16 * nf * self.sw * self.sh)
        else:
            self.fc = nn.Conv2d(label_nc, 16 * nf, 3, padding=1)
        blk = lambda i, o: SPADEResnetBlock(i, o, label_nc, kind, nhidden)  # noqa: E731
        self.head_0 = blk(16 * nf, 16 * nf)
        self.G_middle_0 = blk(16 * nf, 16 * nf)
        self.G_middle_1 = blk(16 * nf, 16 * nf)
        self.up_0 = blk(16 * nf, 8 * nf)
        self.up_1 = blk(8 * nf, 4 * nf)
        self.up_2 = blk(4 * nf, 2 * nf)
        self.up_3 = blk(2 * nf, nf)
        self.conv_img = nn.Conv2d(nf, 3, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2)

    def forward(self, seg, z=None):
        if self.z_dim:
            x = self.fc(z).view(-1, 16 * self.nf, self.sh, self.sw)
        else:
            x = self.fc(F.interpolate(seg, size=(self.sh, self.sw)))
        x = self.head_0(x, seg)
        x = self.up(x)
        x = self.G_middle_0(x, seg)
        if self.schedule == 'more':
            x = self.up(x)
        x = self.G_middle_1(x, seg)
        for b in (self.up_0, self.up_1, self.up_2, self.up_3):
            x = b(self.up(x), seg)
        return torch.tanh(self.conv_img(F.leaky_relu(x, 2e-1)))


class NLayerDiscriminator(nn.Module):
    """get_nonspade_norm_layer('spectralinstance'): spectral norm, the conv's
    bias removed, then InstanceNorm2d(affine=False) in an nn.Sequential."""

    def __init__(self, input_nc, ndf, n_layers):
        super().__init__()
        kw, padw = 4, 2
        nf = ndf

        def norm(layer):
            layer = spectral_norm(layer)
            delattr(layer, 'bias')
            layer.register_parameter('bias', None)
            return nn.Sequential(layer, nn.InstanceNorm2d(layer.out_channels, affine=False))

        seq = [[nn.Conv2d(input_nc, nf, kw, stride=2, padding=padw), nn.LeakyReLU(0.2, False)]]
        for n in range(1, n_layers):
            nf_prev, nf = nf, min(nf * 2, 512)
            stride = 1 if n == n_layers - 1 else 2
            seq += [[norm(nn.Conv2d(nf_prev, nf, kw, stride=stride, padding=padw)), nn.LeakyReLU(0.2, False)]]
        seq += [[nn.Conv2d(nf, 1, kw, stride=1, padding=padw)]]
        for n in range(len(seq)):
            self.add_module('model' + str(n), nn.Sequential(*seq[n]))

    def forward(self, x):
        res = [x]
        for sub in self.children():
            res.append(sub(res[-1]))
        return res[1:]


class MultiscaleDiscriminator(nn.Module):
    def __init__(self, input_nc, ndf, n_layers, num_d):
        super().__init__()
        for i in range(num_d):
            self.add_module('discriminator_%d' % i, NLayerDiscriminator(input_nc, ndf, n_layers))

    def forward(self, x):
        result = []
        for _, d in self.named_children():
            result.append(d(x))
            x = F.avg_pool2d(x, kernel_size=3, stride=2, padding=[1, 1], count_include_pad=False)
        return result


def init_xavier(net, gain=0.02):
    """BaseNetwork.init_weights('xavier', 0.02): module.weight of a spectral
    conv shares weight_orig's storage, so weight_orig is what gets drawn."""
    def f(m):
        name = m.__class__.__name__
        if 'BatchNorm2d' in name:
            if getattr(m, 'weight', None) is not None:
                nn.init.normal_(m.weight.data, 1.0, gain)
            if getattr(m, 'bias', None) is not None:
                nn.init.constant_(m.bias.data, 0.0)
        elif hasattr(m, 'weight') and ('Conv' in name or 'Linear' in name):
            nn.init.xavier_normal_(m.weight.data, gain=gain)
            if getattr(m, 'bias', None) is not None:
                nn.init.constant_(m.bias.data, 0.0)
    net.apply(f)


def key_list(net):
    return ' '.join('%s[%s]' % (k, ','.join(str(d) for d in v.shape)) for k, v in net.state_dict().items())


def perturb(net):
    with torch.no_grad():
        for k, v in net.state_dict().items():
            if k.endswith('bias') or k.endswith('running_mean'):
                v.copy_(torch.randn_like(v) * 0.1)
            elif k.endswith('running_var'):
                v.copy_(torch.rand_like(v) + 0.5)


def state(net, prefix):
    return {prefix + k: v.clone() for k, v in net.state_dict().items()}


def buffers_after(net, prefix):
    return {prefix + k: v.clone() for k, v in net.state_dict().items()
            if 'running' in k or 'tracked' in k or k.endswith('weight_u') or k.endswith('weight_v')}


def onehot(n, classes, h, w):
    lab = torch.randint(0, classes, (n, 1, h, w))
    return torch.zeros(n, classes, h, w).scatter_(1, lab, 1.0)


L = 7   # the synthetic faces' classes


def keys_file():
    meta = {
        'g32_normal_batch': key_list(SPADEGenerator(32, L, 4, 0, 'normal', 'batch', 16)),
        'g64_more_z_batch': key_list(SPADEGenerator(64, L, 2, 8, 'more', 'batch', 8)),
        'g64_ref_widths': key_list(SPADEGenerator(64, L, 16, 0, 'normal', 'batch', 128)),
        'd2_n4': key_list(MultiscaleDiscriminator(L + 3, 8, 4, 2)),
        'd3_n3': key_list(MultiscaleDiscriminator(L + 3, 4, 3, 3)),
    }
    st_write.save(os.path.join(OUT, 'keys.safetensors'), {'none': torch.zeros(1)}, meta)


def forward_file():
    out = {}
    # the layer alone, batch and instance
    for case, kind in (('layer_batch', 'batch'), ('layer_instance', 'instance')):
        net = SPADE(8, L, kind, 16)
        perturb(net)
        x, seg = torch.randn(2, 8, 8, 8), onehot(2, L, 32, 32)
        out.update(state(net, case + '.w.'))
        out[case + '.x'], out[case + '.seg'] = x, seg
        net.train()
        out[case + '.train'] = net(x, seg).detach()
        out.update(buffers_after(net, case + '.after.'))
        net.eval()
        with torch.no_grad():
            out[case + '.eval'] = net(x, seg)
    # blocks: with the learned shortcut (16 -> 8) and without (8 -> 8)
    for case, fin, fout, kind in (('block_short', 16, 8, 'batch'), ('block_same', 8, 8, 'instance')):
        net = SPADEResnetBlock(fin, fout, L, kind, 16)
        perturb(net)
        x, seg = torch.randn(2, fin, 8, 8), onehot(2, L, 32, 32)
        out.update(state(net, case + '.w.'))
        out[case + '.x'], out[case + '.seg'] = x, seg
        net.train()
        out[case + '.train'] = net(x, seg).detach()
        out.update(buffers_after(net, case + '.after.'))
        net.eval()
        with torch.no_grad():
            out[case + '.eval'] = net(x, seg)
    # generators
    for case, size, ngf, z_dim, sched, kind in (('g64', 64, 2, 0, 'normal', 'instance'),
                                                ('g64z_more', 64, 2, 8, 'more', 'batch')):
        net = SPADEGenerator(size, L, ngf, z_dim, sched, kind, 16)
        perturb(net)
        seg = onehot(2, L, size, size)
        z = torch.randn(2, z_dim) if z_dim else None
        out.update(state(net, case + '.w.'))
        out[case + '.seg'] = seg
        if z is not None:
            out[case + '.z'] = z
        net.train()
        out[case + '.train'] = net(seg, z).detach()
        out.update(buffers_after(net, case + '.after.'))
        net.eval()
        with torch.no_grad():
            out[case + '.eval'] = net(seg, z)
    # the 2-scale D on cat(seg, image)
    case = 'd64'
    net = MultiscaleDiscriminator(L + 3, 8, 4, 2)
    perturb(net)
    x = torch.cat([onehot(2, L, 64, 64), torch.rand(2, 3, 64, 64) * 2 - 1], 1)
    out.update(state(net, case + '.w.'))
    out[case + '.x'] = x
    net.train()
    for i, feats in enumerate(net(x)):
        for j, f in enumerate(feats):
            out['%s.train.%d.%d' % (case, i, j)] = f.detach()
    out.update(buffers_after(net, case + '.after.'))
    net.eval()
    with torch.no_grad():
        for i, feats in enumerate(net(x)):
            for j, f in enumerate(feats):
                out['%s.eval.%d.%d' % (case, i, j)] = f
    st_write.save(os.path.join(OUT, 'forward.safetensors'), out)


def hinge_d(preds, real):
    loss = 0
    for p in preds:
        p = p[-1]
        m = torch.min(p - 1, torch.zeros_like(p)) if real else torch.min(-p - 1, torch.zeros_like(p))
        loss = loss + (-torch.mean(m))
    return loss / len(preds)


def step_file():
    out = {}
    # (case, size, ngf, ndf, z_dim, schedule, norm, steps)
    cases = [('step64', 64, 2, 8, 0, 'normal', 'batch', 3)]
    for case, size, ngf, ndf, z_dim, sched, kind, steps in cases:
        g = SPADEGenerator(size, L, ngf, z_dim, sched, kind, 16)
        d = MultiscaleDiscriminator(L + 3, ndf, 4, 2)
        init_xavier(g)
        init_xavier(d)
        out.update(state(g, case + '.w.G.'))
        out.update(state(d, case + '.w.D.'))
        opt_g = torch.optim.Adam(g.parameters(), lr=1e-4, betas=(0.0, 0.9))
        opt_d = torch.optim.Adam(d.parameters(), lr=4e-4, betas=(0.0, 0.9))
        segs = torch.stack([onehot(2, L, size, size) for _ in range(steps)])
        imgs = torch.rand(steps, 2, 3, size, size) * 2 - 1
        g.train()
        d.train()
        losses = []

        def discriminate(seg, fake, real):
            both = torch.cat([torch.cat([seg, fake], 1), torch.cat([seg, real], 1)], 0)
            out_d = d(both)
            return [[f[:f.size(0) // 2] for f in p] for p in out_d], [[f[f.size(0) // 2:] for f in p] for p in out_d]

        for s in range(steps):
            seg, real = segs[s], imgs[s]
            # G step
            opt_g.zero_grad()
            fake = g(seg)
            pf, pr = discriminate(seg, fake, real)
            l_gan = -sum(torch.mean(p[-1]) for p in pf) / len(pf)
            l_feat = torch.zeros(1)
            for i in range(len(pf)):
                for j in range(len(pf[i]) - 1):
                    l_feat = l_feat + F.l1_loss(pf[i][j], pr[i][j].detach()) * 10.0 / len(pf)
            (l_gan + l_feat).mean().backward()
            if s == 0:
                for k, p in g.named_parameters():
                    out[case + '.grad.G.' + k] = p.grad.clone()
            opt_g.step()
            # D step
            opt_d.zero_grad()
            with torch.no_grad():
                fake = g(seg).detach()
            pf, pr = discriminate(seg, fake, real)
            l_dfake = hinge_d(pf, False)
            l_dreal = hinge_d(pr, True)
            (l_dfake + l_dreal).backward()
            if s == 0:
                for k, p in d.named_parameters():
                    out[case + '.grad.D.' + k] = p.grad.clone()
            opt_d.step()
            losses.append([l_gan.item(), l_feat.item(), l_dfake.item(), l_dreal.item()])
            if s == 0:
                out.update(state(g, case + '.after1.G.'))
                out.update(state(d, case + '.after1.D.'))
        out[case + '.seg'] = segs
        out[case + '.img'] = imgs
        out[case + '.losses'] = torch.tensor(losses)
        out.update(state(g, case + '.after.G.'))
        out.update(state(d, case + '.after.D.'))
    st_write.save(os.path.join(OUT, 'step.safetensors'), out)


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    keys_file()
    forward_file()
    step_file()
