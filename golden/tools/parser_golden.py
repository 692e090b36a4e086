#!/usr/bin/env python3
"""Goldens of gan99's face parser (gan/parser.c, gan/arch_parser.c) from
PyTorch: pix2pix's U-Net (pix2pix_golden.py's Unet, the reference's module
nesting, so the state_dict keys are the reference's) without its final Tanh
and without dropout, giving n_classes logits per pixel; trained with
torch.nn.functional.cross_entropy (mean over every pixel) and Adam (torch's
defaults: betas (0.9, 0.999), eps 1e-8; lr 1e-3), as doc/models.md §3.8
describes.

Writes golden/parser/:
  keys.safetensors   metadata only: per config "<name>" the state_dict as
                     "key[d0,d1,...]" joined by spaces, in torch's order
  step.safetensors   per case: init weights "<case>.w.<key>" (normal 0.02
                     as init_weights), photos "<case>.x" [steps, N, C, H, W],
                     class maps "<case>.labels" [steps, N, H, W] (indices as
                     floats), losses "<case>.losses" [steps], first-step
                     gradients "<case>.grad.<key>", every tensor after the
                     last step "<case>.after.<key>" (running statistics
                     included), and the eval-mode logits of the trained net
                     on the first photos "<case>.eval"
  model.safetensors  a parser state_dict as torch saves it, with gan99.arch
                     "parser" and its gan99.config; model_io.safetensors: a
                     photo batch "x" and the eval-mode logits "out", and for
                     photo.png (a 32x32 8-bit RGB file) its classes
                     "photo_classes" (argmax of the logits) and "photo_clear"
                     (1 where the best class leads by more than 1e-3)
Run: /usr/bin/python3 golden/tools/parser_golden.py   (torch 1.13)
"""
import os
import sys

import torch
import torch.nn as nn
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pix2pix_golden  # noqa: E402
import st_write  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'parser')


def Parser(in_nc, n_classes, num_downs, ngf, kind):
    """UnetGenerator(in_nc, n_classes, num_downs, ngf, no dropout) with the
    outermost block's Tanh (model.model.4) dropped: the keys stay the
    reference's, the output is the up-conv's logits."""
    net = pix2pix_golden.Unet(in_nc, n_classes, num_downs, ngf, kind, dropout=False)
    seq = net.model.model
    assert isinstance(seq[4], nn.Tanh)
    net.model.model = nn.Sequential(*list(seq)[:4])
    return net


def state(net, prefix):
    return {prefix + k: v.clone() for k, v in net.state_dict().items()}


def keys_file():
    meta = {
        'p5_batch': pix2pix_golden.key_list(Parser(3, 7, 5, 4, 'batch')),
        'p6_batch': pix2pix_golden.key_list(Parser(3, 7, 6, 2, 'batch')),
        'p5_instance': pix2pix_golden.key_list(Parser(1, 19, 5, 2, 'instance')),
    }
    st_write.save(os.path.join(OUT, 'keys.safetensors'), {'none': torch.zeros(1)}, meta)


def step_file():
    out = {}
    # (case, input channels, classes, num_downs, ngf, norm, size, batch, steps)
    cases = [('batch', 3, 7, 5, 4, 'batch', 32, 2, 3), ('instance', 3, 19, 5, 2, 'instance', 32, 2, 2)]
    for case, in_nc, n_classes, downs, ngf, kind, size, batch, steps in cases:
        net = Parser(in_nc, n_classes, downs, ngf, kind)
        pix2pix_golden.init_normal(net)
        out.update(state(net, case + '.w.'))
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
        x_all = torch.rand(steps, batch, in_nc, size, size) * 2 - 1
        y_all = torch.randint(0, n_classes, (steps, batch, size, size))
        losses = []
        net.train()
        for s in range(steps):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(net(x_all[s]), y_all[s])
            loss.backward()
            opt.step()
            losses.append(loss.item())
            if s == 0:
                for k, p in net.named_parameters():
                    out[case + '.grad.' + k] = p.grad.clone()
        out[case + '.x'] = x_all
        out[case + '.labels'] = y_all.float()
        out[case + '.losses'] = torch.tensor(losses)
        out.update(state(net, case + '.after.'))
        net.eval()
        with torch.no_grad():
            out[case + '.eval'] = net(x_all[0])
    st_write.save(os.path.join(OUT, 'step.safetensors'), out)


def model_file():
    net = Parser(3, 7, 5, 2, 'batch')
    pix2pix_golden.init_normal(net)
    pix2pix_golden.perturb(net)
    cfg = '{"classes":7,"input_nc":3,"ngf":2,"norm":"batch","num_downs":5,"size":32}'
    st_write.save(os.path.join(OUT, 'model.safetensors'), state(net, ''),
                  {'gan99.arch': 'parser', 'gan99.config': cfg, 'gan99.version': 'torch'})
    again = Parser(3, 7, 5, 2, 'batch')
    again.load_state_dict(net.state_dict(), strict=True)
    again.eval()
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    # a photo file for `gan99 parse`: 8-bit RGB, made [-1, 1] as ToTensor + Normalize(0.5, 0.5)
    photo = torch.randint(0, 256, (32, 32, 3), dtype=torch.uint8)
    Image.fromarray(photo.numpy()).save(os.path.join(OUT, 'photo.png'))
    px = (photo.permute(2, 0, 1).float() / 255.0 - 0.5) / 0.5
    with torch.no_grad():
        logits = again(px.unsqueeze(0))[0]
        top2 = logits.topk(2, dim=0).values
        st_write.save(os.path.join(OUT, 'model_io.safetensors'), {
            'x': x, 'out': again(x),
            'photo_classes': logits.argmax(0).float(),
            # 1 where the best class leads the second by more than 1e-3 (a
            # pixel whose class does not hang on rounding)
            'photo_clear': ((top2[0] - top2[1]) > 1e-3).float()})


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(20261204)
    torch.set_num_threads(1)
    keys_file()
    step_file()
    model_file()
