#!/usr/bin/python3
"""PyTorch's side of `gan99 bench dcgan` (cli/cmd_bench.c): one training step
of DCGAN 64x64 as in pytorch/examples' dcgan (nz 100, ngf = ndf = 64, nc 3,
BCELoss, Adam lr 2e-4, betas (0.5, 0.999) for both nets): D on a real batch,
D on a fake one, then G through D. The real batch is uniform in [-1, 1]
from a fixed seed. WARMUP untimed steps, then TIMED timed ones.

    /usr/bin/python3 golden/tools/bench_ref_torch_dcgan.py [THREADS [BATCH [WARMUP [TIMED]]]]

Defaults: 1 thread, batch 64, 1 warm-up step, 3 timed. Tuned as PyTorch
recommends for CPU speed: torch.set_num_threads(THREADS), oneDNN (mkldnn)
on, gradients set to None rather than zeroed, Adam's multi-tensor (foreach)
update. Runs on the CPU, as gan99 does (cudnn settings do not apply).
Output:

    step MEDIAN_SECONDS      (of an even count, the mean of the middle two)
    rss PEAK_KIB             (this process's peak resident set; KiB on Linux)
    version TORCH_VERSION

or one line `skip REASON` when torch is not importable.
"""
import resource
import sys
import time

try:
    import torch
    from torch import nn
except ImportError as e:
    print("skip", e)
    sys.exit(0)

NZ, NGF, NDF, NC = 100, 64, 64, 3


def up(cin, cout, stride, pad, last=False):
    c = nn.ConvTranspose2d(cin, cout, 4, stride, pad, bias=False)
    return [c, nn.Tanh()] if last else [c, nn.BatchNorm2d(cout), nn.ReLU(True)]


def down(cin, cout, bn):
    c = nn.Conv2d(cin, cout, 4, 2, 1, bias=False)
    return [c, nn.BatchNorm2d(cout), nn.LeakyReLU(0.2, True)] if bn else [c, nn.LeakyReLU(0.2, True)]


def models():
    g = nn.Sequential(*(up(NZ, NGF * 8, 1, 0) + up(NGF * 8, NGF * 4, 2, 1) + up(NGF * 4, NGF * 2, 2, 1)
                        + up(NGF * 2, NGF, 2, 1) + up(NGF, NC, 2, 1, True)))
    d = nn.Sequential(*(down(NC, NDF, False) + down(NDF, NDF * 2, True) + down(NDF * 2, NDF * 4, True)
                        + down(NDF * 4, NDF * 8, True) + [nn.Conv2d(NDF * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid()]))
    for m in list(g.modules()) + list(d.modules()):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return g, d


def main(argv):
    defaults = [1, 64, 1, 3]
    threads, batch, warmup, timed = [int(v) for v in argv[1:5]] + defaults[len(argv[1:5]):]
    torch.set_num_threads(threads)
    torch.backends.mkldnn.enabled = True
    torch.manual_seed(1)
    g, d = models()
    bce = nn.BCELoss()
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999), foreach=True)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999), foreach=True)
    real = torch.rand(batch, NC, 64, 64) * 2 - 1
    ones, zeros = torch.ones(batch), torch.zeros(batch)

    def step():
        d.zero_grad(set_to_none=True)
        bce(d(real).view(-1), ones).backward()
        fake = g(torch.randn(batch, NZ, 1, 1))
        bce(d(fake.detach()).view(-1), zeros).backward()
        opt_d.step()
        g.zero_grad(set_to_none=True)
        bce(d(fake).view(-1), ones).backward()
        opt_g.step()

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
