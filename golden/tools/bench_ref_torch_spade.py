#!/usr/bin/python3
"""PyTorch's side of `gan99 bench spade` (cli/bench_spade.c): one training
iteration of NVlabs/SPADE's Pix2PixModel + Pix2PixTrainer at 64x64 with
`gan99 train spade`'s default model:

  G  SPADEGenerator, 7 label classes, ngf 16, nhidden 128, no z (the map
     downsampled into fc), num_upsampling_layers normal, spectral norm on
     the block convs, batch-norm SPADE (spectralspadebatch3x3);
  D  MultiscaleDiscriminator, 2 scales of NLayerDiscriminator (ndf 16,
     n_layers 4, spectral + instance norm) on cat(map, image);
  step  G step: hinge G loss + feature matching (lambda 10) on D of
     cat(fake, real) along the batch, Adam step; D step: G's fake made again
     under no_grad, hinge D loss, Adam step. TTUR: Adam G lr 1e-4, D 4e-4,
     betas (0, 0.9); init_weights('xavier', 0.02).

The networks are those of the golden maker (spade_golden.py). The map is a
random class per pixel, one-hot; the image uniform in [-1, 1], from a fixed
seed. WARMUP untimed steps, then TIMED timed ones.

    /usr/bin/python3 golden/tools/bench_ref_torch_spade.py THREADS BATCH [WARMUP [TIMED]]

Defaults 1 warm-up step, 3 timed. Tuned as bench_ref_torch_pix2pix.py:
torch.set_num_threads(THREADS), oneDNN on, gradients set to None, Adam's
multi-tensor (foreach) update. Output:

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
    import torch.nn.functional as F
except ImportError as e:
    print("skip", e)
    sys.exit(0)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spade_golden  # noqa: E402

SIZE = 64
CLASSES = 7


def spade_step(batch):
    g = spade_golden.SPADEGenerator(SIZE, CLASSES, 16, 0, 'normal', 'batch', 128)
    d = spade_golden.MultiscaleDiscriminator(CLASSES + 3, 16, 4, 2)
    spade_golden.init_xavier(g)
    spade_golden.init_xavier(d)
    g.train()
    d.train()
    opt_g = torch.optim.Adam(g.parameters(), lr=1e-4, betas=(0.0, 0.9), foreach=True)
    opt_d = torch.optim.Adam(d.parameters(), lr=4e-4, betas=(0.0, 0.9), foreach=True)
    seg = spade_golden.onehot(batch, CLASSES, SIZE, SIZE)
    real = torch.rand(batch, 3, SIZE, SIZE) * 2 - 1

    def discriminate(fake):
        both = torch.cat([torch.cat([seg, fake], 1), torch.cat([seg, real], 1)], 0)
        out = d(both)
        return [[f[:batch] for f in p] for p in out], [[f[batch:] for f in p] for p in out]

    def step():
        # G step: D's parameters take no gradient
        for p in d.parameters():
            p.requires_grad_(False)
        opt_g.zero_grad(set_to_none=True)
        pf, pr = discriminate(g(seg))
        l_gan = -sum(torch.mean(p[-1]) for p in pf) / len(pf)
        l_feat = 0
        for i in range(len(pf)):
            for j in range(len(pf[i]) - 1):
                l_feat = l_feat + F.l1_loss(pf[i][j], pr[i][j].detach()) * 10.0 / len(pf)
        (l_gan + l_feat).backward()
        opt_g.step()
        for p in d.parameters():
            p.requires_grad_(True)
        # D step on a fake of the updated G
        opt_d.zero_grad(set_to_none=True)
        with torch.no_grad():
            fake = g(seg)
        pf, pr = discriminate(fake)
        (spade_golden.hinge_d(pf, False) + spade_golden.hinge_d(pr, True)).backward()
        opt_d.step()
    return step


def main(argv):
    if len(argv) < 3:
        sys.exit('usage: bench_ref_torch_spade.py THREADS BATCH [WARMUP [TIMED]]')
    threads, batch = int(argv[1]), int(argv[2])
    warmup = int(argv[3]) if len(argv) > 3 else 1
    timed = int(argv[4]) if len(argv) > 4 else 3
    # after the imports: the golden maker sets one thread and its seed
    torch.set_num_threads(threads)
    torch.backends.mkldnn.enabled = True
    torch.manual_seed(1)
    step = spade_step(batch)
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
