#!/usr/bin/env python3
"""The whole-network golden of gan99's nn core: DCGAN 64x64
as pytorch/examples dcgan/main.py builds and trains it (doc/models.md §1),
rebuilt here layer by layer with the reference's nn.Sequential indices, so
the state_dict keys are the reference's ("main.0.weight" ...).

Sizes, to keep the committed files small: nz=32, ngf=ndf=8, nc=3, batch 4
(the reference defaults are 100, 64, 64, 3 and 64; the layer structure and
the key names do not depend on them).

Writes golden/nn/:
  dcgan_G.safetensors, dcgan_D.safetensors
      the initial state_dicts (weights_init: conv N(0,0.02), BN gamma
      N(1,0.02), beta 0; num_batches_tracked as int64) with the metadata
      gan99 writes (gan99.arch, gan99.config, gan99.version), in the layout
      of the reference safetensors writer: gan99 must load them and write
      them back byte for byte.
  dcgan_train.safetensors
      real [4,3,64,64] (one fixed batch, reused each step), noise [3,4,nz,1,1]
      (one per step), loss [3,3] (errD_real, errD_fake, errG per step),
      grad.G.<key> / grad.D.<key> of the first step (D's: real + fake
      accumulated, before optimizerD.step; G's: through the updated D), and
      after.G.<key> / after.D.<key>, both state_dicts after 3 steps.
Run: /usr/bin/python3 golden/tools/nn_dcgan_golden.py   (python3-torch 1.13)
"""
import os
import re
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_write  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'nn')
NZ, NGF, NDF, NC, BATCH, STEPS = 32, 8, 8, 3, 4, 3
CONFIG = '{"nc":%d,"ndf":%d,"ngf":%d,"nz":%d}' % (NC, NDF, NGF, NZ)
with open(os.path.join(HERE, '..', '..', 'base', 'base.h')) as f:
    VERSION = re.search(r'#define GAN99_VERSION "([^"]*)"', f.read()).group(1)

torch.manual_seed(20240612)
torch.set_num_threads(1)


def generator():
    return nn.Sequential(
        nn.ConvTranspose2d(NZ, NGF * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(NGF * 8), nn.ReLU(True),
        nn.ConvTranspose2d(NGF * 8, NGF * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(NGF * 4), nn.ReLU(True),
        nn.ConvTranspose2d(NGF * 4, NGF * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(NGF * 2), nn.ReLU(True),
        nn.ConvTranspose2d(NGF * 2, NGF, 4, 2, 1, bias=False), nn.BatchNorm2d(NGF), nn.ReLU(True),
        nn.ConvTranspose2d(NGF, NC, 4, 2, 1, bias=False), nn.Tanh())


def discriminator():
    return nn.Sequential(
        nn.Conv2d(NC, NDF, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(NDF, NDF * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(NDF * 2), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(NDF * 2, NDF * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(NDF * 4), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(NDF * 4, NDF * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(NDF * 8), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(NDF * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid())


class Net(nn.Module):
    """Holds the Sequential as .main, as the reference's Generator does."""
    def __init__(self, main):
        super().__init__()
        self.main = main

    def forward(self, x):
        return self.main(x)


def weights_init(m):
    name = m.__class__.__name__
    if name.find('Conv') != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif name.find('BatchNorm') != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


netG, netD = Net(generator()), Net(discriminator())
netG.apply(weights_init)
netD.apply(weights_init)
meta = {'gan99.arch': 'dcgan', 'gan99.config': CONFIG, 'gan99.version': VERSION}
st_write.save(os.path.join(OUT, 'dcgan_G.safetensors'), {k: v.clone() for k, v in netG.state_dict().items()}, meta)
st_write.save(os.path.join(OUT, 'dcgan_D.safetensors'), {k: v.clone() for k, v in netD.state_dict().items()}, meta)

real = torch.rand(BATCH, NC, 64, 64) * 2 - 1
noise = torch.randn(STEPS, BATCH, NZ, 1, 1)
criterion = nn.BCELoss()
optD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
optG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
T = {'real': real, 'noise': noise}
losses = torch.zeros(STEPS, 3)
for step in range(STEPS):
    # the reference's loop body (dcgan/main.py), one fixed real batch
    netD.zero_grad()
    label = torch.full((BATCH,), 1.0)
    errD_real = criterion(netD(real).view(-1), label)
    errD_real.backward()
    fake = netG(noise[step])
    label.fill_(0.0)
    errD_fake = criterion(netD(fake.detach()).view(-1), label)
    errD_fake.backward()
    if step == 0:
        for k, p in netD.named_parameters():
            T['grad.D.' + k] = p.grad.clone()
    optD.step()
    netG.zero_grad()
    label.fill_(1.0)
    errG = criterion(netD(fake).view(-1), label)
    errG.backward()
    if step == 0:
        for k, p in netG.named_parameters():
            T['grad.G.' + k] = p.grad.clone()
    optG.step()
    losses[step] = torch.tensor([errD_real.item(), errD_fake.item(), errG.item()])
T['loss'] = losses
for k, v in netG.state_dict().items():
    T['after.G.' + k] = v.clone()
for k, v in netD.state_dict().items():
    T['after.D.' + k] = v.clone()
st_write.save(os.path.join(OUT, 'dcgan_train.safetensors'), T)
print('losses per step (errD_real, errD_fake, errG):')
print(losses)
