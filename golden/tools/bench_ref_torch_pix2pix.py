#!/usr/bin/python3
"""PyTorch's side of `gan99 bench pix2pix` (cli/bench_pix2pix.c): one
training step of

  pix2pix   junyanz/pytorch-CycleGAN-and-pix2pix's Pix2PixModel at 128x128:
            unet_128 (UnetGenerator, num_downs 7, ngf 64, batch norm, dropout)
            and the basic PatchGAN (NLayerDiscriminator, ndf 64, n_layers 3)
            on cat(A, B), vanilla GAN loss (BCE with logits) + 100 L1, Adam
            lr 2e-4, betas (0.5, 0.999): optimize_parameters (G forward; D on
            fake and real, D's step; G through D with D frozen, G's step);
  autoencoder  the encoder-decoder of gan99's autoencoder at 128x128 (nf 64,
            depth 5, batch norm), L1 loss, Adam lr 2e-4, betas (0.5, 0.999).

The networks are those of the golden makers (pix2pix_golden.py's Unet and
NLayer, autoencoder_golden.py's Autoencoder), initialised as the reference
does (normal 0.02). A and B are uniform in [-1, 1] from a fixed seed.
WARMUP untimed steps, then TIMED timed ones.

    /usr/bin/python3 golden/tools/bench_ref_torch_pix2pix.py THREADS MODEL BATCH [WARMUP [TIMED]]

MODEL is pix2pix or autoencoder; defaults 1 warm-up step, 3 timed. Tuned as
bench_ref_torch_dcgan.py: torch.set_num_threads(THREADS), oneDNN on,
gradients set to None, Adam's multi-tensor (foreach) update. Output:

    step MEDIAN_SECONDS      (of an even count, the mean of the middle two)
    rss PEAK_KIB             (this process's peak resident set; KiB on Linux)
    version TORCH_VERSION

or one line `skip REASON` when torch is not importable.
"""
import os
import resource
import sys
import time

try:
    import torch
    from torch import nn
except ImportError as e:
    print("skip", e)
    sys.exit(0)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import autoencoder_golden  # noqa: E402
import pix2pix_golden  # noqa: E402

SIZE = 128


def gan_loss(pred, real):
    target = torch.ones_like(pred) if real else torch.zeros_like(pred)
    return nn.functional.binary_cross_entropy_with_logits(pred, target)


def adam(params):
    return torch.optim.Adam(params, lr=2e-4, betas=(0.5, 0.999), foreach=True)


def pix2pix_step(batch):
    g = pix2pix_golden.Unet(3, 3, 7, 64, 'batch')
    d = pix2pix_golden.NLayer(6, 64, 3, 'batch')
    pix2pix_golden.init_normal(g)
    pix2pix_golden.init_normal(d)
    g.train()
    d.train()
    opt_g, opt_d = adam(g.parameters()), adam(d.parameters())
    a = torch.rand(batch, 3, SIZE, SIZE) * 2 - 1
    b = torch.rand(batch, 3, SIZE, SIZE) * 2 - 1

    def step():
        fake = g(a)
        for p in d.parameters():
            p.requires_grad_(True)
        opt_d.zero_grad(set_to_none=True)
        l_fake = gan_loss(d(torch.cat((a, fake), 1).detach()), False)
        l_real = gan_loss(d(torch.cat((a, b), 1)), True)
        ((l_fake + l_real) * 0.5).backward()
        opt_d.step()
        for p in d.parameters():
            p.requires_grad_(False)
        opt_g.zero_grad(set_to_none=True)
        l_gan = gan_loss(d(torch.cat((a, fake), 1)), True)
        (l_gan + nn.functional.l1_loss(fake, b) * 100.0).backward()
        opt_g.step()
    return step


def autoencoder_step(batch):
    m = autoencoder_golden.Autoencoder(3, 64, autoencoder_golden.default_depth(SIZE, SIZE), False)
    m.apply(autoencoder_golden.weights_init)
    m.train()
    opt = adam(m.parameters())
    x = torch.rand(batch, 3, SIZE, SIZE) * 2 - 1

    def step():
        opt.zero_grad(set_to_none=True)
        nn.functional.l1_loss(m(x), x).backward()
        opt.step()
    return step


def main(argv):
    if len(argv) < 4 or argv[2] not in ('pix2pix', 'autoencoder'):
        sys.exit('usage: bench_ref_torch_pix2pix.py THREADS pix2pix|autoencoder BATCH [WARMUP [TIMED]]')
    threads, batch = int(argv[1]), int(argv[3])
    warmup = int(argv[4]) if len(argv) > 4 else 1
    timed = int(argv[5]) if len(argv) > 5 else 3
    # after the imports: the golden makers set one thread and their seed
    torch.set_num_threads(threads)
    torch.backends.mkldnn.enabled = True
    torch.manual_seed(1)
    step = pix2pix_step(batch) if argv[2] == 'pix2pix' else autoencoder_step(batch)
    times = []
    for i in range(warmup + timed):
        t0 = time.perf_counter()
        step()
        t = time.perf_counter() - t0
        if i >= warmup:
            times.append(t)
    times.sort()
    print("step %.9f" % ((times[(timed - 1) // 2] + times[timed // 2]) / 2))
    print("rss %d" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    print("version", torch.__version__, flush=True)


if __name__ == "__main__":
    main(sys.argv)
