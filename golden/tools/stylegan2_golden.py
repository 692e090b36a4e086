#!/usr/bin/env python3
"""Goldens of gan99's StyleGAN2 (gan/stylegan.c, gan/train_stylegan.c) from
the plain-PyTorch rebuild of stylegan2-ada-pytorch in stylegan2_ref.py.

Writes golden/stylegan/:
  nets.safetensors   per case C (cfg "C.cfg" = resolution, z_dim, w_dim,
                     map_layers, channel_base, channel_max, conv_clamp,
                     mbstd_group, batch): the metadata "keys.G.C" / "keys.D.C"
                     (state_dict as "key[d0,d1]" in torch's order), weights
                     "C.G.<key>" / "C.D.<key>" (the reference's init, then
                     biases, noise strengths and w_avg perturbed so every
                     tensor matters), z "C.z", the mapping in training mode
                     "C.ws" with "C.w_avg_after", the truncated mapping
                     (psi 0.7, cutoff 3, eval) "C.ws_trunc", the image of
                     synthesis(ws, const noise) "C.img", the output gradient
                     "C.gimg" and the gradients of sum(img gimg) "C.grad.G.<key>"
                     and "C.grad.ws"; D: input "C.x", "C.logits", "C.glogits",
                     "C.grad.D.<key>", "C.grad.x"
  step.safetensors   one whole training iteration (the four phases, R1 and
                     path length at iteration 0) at tiny widths: see step()
Run: /usr/bin/python3 golden/tools/stylegan2_golden.py   (torch 1.13)
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_write  # noqa: E402
import stylegan2_ref as R  # noqa: E402

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'stylegan')


def rnd(*shape, lo=-1.0, hi=1.0):
    return torch.rand(list(shape)) * (hi - lo) + lo


def keys(module):
    return ' '.join('%s[%s]' % (k, ','.join(str(d) for d in v.shape)) for k, v in module.state_dict().items())


def perturb(module):
    """Biases, noise strengths, w_avg away from their init values, so a
    wrong use of any of them shows."""
    with torch.no_grad():
        for k, v in module.state_dict().items():
            if k.endswith('.bias') or k.endswith('noise_strength') or k.endswith('w_avg'):
                v.add_(rnd(*v.shape) * 0.3)


def build(cfg):
    res, zd, wd, ml, cb, cm, clamp, mb, _ = cfg
    clamp = clamp if clamp > 0 else None
    G = R.Generator(zd, wd, res, 3, ml, cb, cm, clamp)
    D = R.Discriminator(res, 3, cb, cm, clamp, mb)
    return G, D


def nets():
    T, meta = {}, {}
    cases = {
        'a': (16, 32, 32, 2, 128, 16, 0, 2, 4),
        'b': (32, 32, 32, 8, 256, 16, 0, 4, 4),
        'c': (16, 16, 24, 3, 64, 8, 0.25, 4, 8),   # a conv_clamp that bites, z_dim != w_dim
    }
    for name, cfg in cases.items():
        torch.manual_seed(20261204 + ord(name))
        G, D = build(cfg)
        perturb(G)
        perturb(D)
        n = cfg[8]
        T[name + '.cfg'] = torch.tensor([float(v) for v in cfg])
        meta['keys.G.' + name] = keys(G)
        meta['keys.D.' + name] = keys(D)
        for k, v in G.state_dict().items():
            T['%s.G.%s' % (name, k)] = v.detach().clone()
        for k, v in D.state_dict().items():
            T['%s.D.%s' % (name, k)] = v.detach().clone()
        z = torch.randn(n, cfg[1])
        T[name + '.z'] = z
        G.eval()
        T[name + '.ws_trunc'] = G.mapping(z, truncation_psi=0.7, truncation_cutoff=3).detach()
        G.train()
        ws = G.mapping(z)
        ws.retain_grad()
        T[name + '.ws'] = ws.detach().clone()
        T[name + '.w_avg_after'] = G.mapping.w_avg.detach().clone()
        img = G.synthesis(ws, noise_mode='const')
        gimg = rnd(*img.shape)
        (img * gimg).sum().backward()
        T[name + '.img'], T[name + '.gimg'] = img.detach(), gimg
        T[name + '.grad.ws'] = ws.grad.detach().clone()
        for k, p in G.named_parameters():
            T['%s.grad.G.%s' % (name, k)] = p.grad.detach().clone()
        x = (rnd(n, 3, cfg[0], cfg[0]) * 1.2).requires_grad_(True)
        logits = D(x)
        gl = rnd(*logits.shape)
        (logits * gl).sum().backward()
        T[name + '.x'], T[name + '.logits'], T[name + '.glogits'] = x.detach(), logits.detach(), gl
        T[name + '.grad.x'] = x.grad.detach().clone()
        for k, p in D.named_parameters():
            T['%s.grad.D.%s' % (name, k)] = p.grad.detach().clone()
    st_write.save(os.path.join(OUT, 'nets.safetensors'), T, meta)


def step():
    """Two iterations of the training loop at tiny widths: iteration 0 runs
    Gmain, Greg (path length), Dmain and Dreg (R1), iteration 1 Gmain and
    Dmain. Every normal draw (z for the four phases, the mixing z, the
    synthesis noise, the path-length noise) is recorded in the order taken
    ("draws", flat); the mixing cutoffs are fixed ("cutoffs", num_ws meaning
    none). G_ema without the ramp (ema_kimg batch 10/32), so its lerp shows.
    Keys: cfg (as nets' plus lr, gamma, pl_weight, ema_kimg, iterations),
    "G.<key>" / "D.<key>" before, "real", "losses" [iters, 5] (Gmain, Gpl,
    Dgen, Dreal, Dr1), "pl_mean" [iters], "grad.<phase>.<key>" of iteration
    0 after the clean-up (phases Gmain Greg Dmain Dreg), "after.G.<key>",
    "after.D.<key>", "after.G_ema.<key>"."""
    import copy
    torch.manual_seed(20261205)
    cfg = (16, 16, 16, 2, 64, 8, 0, 2, 4)
    lr, gamma, pl_weight, iters = 0.0025, 1.0, 2.0, 2
    b = cfg[8]
    ema_kimg = b * 10 / 32
    G, D = build(cfg)
    perturb(G)
    perturb(D)
    G_ema = copy.deepcopy(G).eval()
    G.train().requires_grad_(False)
    D.train().requires_grad_(False)
    T = {'cfg': torch.tensor([float(v) for v in cfg] + [lr, gamma, pl_weight, ema_kimg, iters])}
    for k, v in G.state_dict().items():
        T['G.' + k] = v.detach().clone()
    for k, v in D.state_dict().items():
        T['D.' + k] = v.detach().clone()
    draws = []

    def rec_randn(shape):
        v = torch.randn(shape)
        draws.append(v.reshape(-1).clone())
        return v
    cutoffs = [2, G.num_ws, 3, 1, G.num_ws]   # Gmain, Greg, Dmain of iteration 0, then Gmain, Dmain
    cut_iter = iter(cutoffs)
    R.randn = rec_randn
    R.draw_cutoff = lambda num_ws, prob: next(cut_iter)
    real = rnd(b, 3, cfg[0], cfg[0])
    T['real'] = real
    loss = R.StyleGAN2Loss(G, D, 0.9, gamma, 2, 0.01, pl_weight)
    opt_g = R.lazy_adam(G.parameters(), lr, 4)
    opt_d = R.lazy_adam(D.parameters(), lr, 16)
    phases = [('Gmain', G, opt_g, 1), ('Greg', G, opt_g, 4), ('Dmain', D, opt_d, 1), ('Dreg', D, opt_d, 16)]
    losses = torch.zeros(iters, 5)
    plm = torch.zeros(iters)
    for it in range(iters):
        z_all = rec_randn([4 * b, cfg[1]]).split(b)
        rec = {}
        for k, (name, module, opt, interval) in enumerate(phases):
            if it % interval:
                continue
            opt.zero_grad(set_to_none=True)
            module.requires_grad_(True)
            loss.accumulate_gradients(name, real, z_all[k], interval, rec)
            module.requires_grad_(False)
            R.clean_grads(module)
            if it == 0:
                for key, p in module.named_parameters():
                    T['grad.%s.%s' % (name, key)] = p.grad.detach().clone()
            opt.step()
        R.ema_update(G_ema, G, b, it * b, ema_kimg, None)
        for j, key in enumerate(['Gmain', 'Gpl', 'Dgen', 'Dreal', 'Dr1']):
            losses[it, j] = float(rec.get(key, 0.0))
        plm[it] = float(loss.pl_mean)
    assert next(cut_iter, None) is None
    T['losses'], T['pl_mean'] = losses, plm
    T['draws'] = torch.cat(draws)
    T['cutoffs'] = torch.tensor([float(c) for c in cutoffs])
    for k, v in G.state_dict().items():
        T['after.G.' + k] = v.detach().clone()
    for k, v in D.state_dict().items():
        T['after.D.' + k] = v.detach().clone()
    for k, v in G_ema.state_dict().items():
        T['after.G_ema.' + k] = v.detach().clone()
    st_write.save(os.path.join(OUT, 'step.safetensors'), T)


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    nets()
    step()
