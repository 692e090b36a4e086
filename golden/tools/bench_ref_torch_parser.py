#!/usr/bin/python3
"""PyTorch's side of `gan99 bench parser` (cli/bench_parser.c): one training
step of the face parser at 64x64: pix2pix's U-Net (parser_golden.py's
Parser: UnetGenerator, num_downs 6, ngf 32, batch norm, no dropout, no final
Tanh, 7 class logits), torch.nn.functional.cross_entropy against a class
map, Adam lr 1e-3, betas (0.9, 0.999). Initialised as the reference does
(normal 0.02); photos uniform in [-1, 1] and classes uniform, from a fixed
seed. WARMUP untimed steps, then TIMED timed ones.

    /usr/bin/python3 golden/tools/bench_ref_torch_parser.py THREADS BATCH [WARMUP [TIMED]]

Defaults 2 warm-up steps, 7 timed. Tuned as bench_ref_torch_pix2pix.py:
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
    from torch import nn
except ImportError as e:
    print("skip", e)
    sys.exit(0)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parser_golden  # noqa: E402
import pix2pix_golden  # noqa: E402

SIZE, NGF, CLASSES, DOWNS = 64, 32, 7, 6


def parser_step(batch):
    net = parser_golden.Parser(3, CLASSES, DOWNS, NGF, 'batch')
    pix2pix_golden.init_normal(net)
    net.train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), foreach=True)
    x = torch.rand(batch, 3, SIZE, SIZE) * 2 - 1
    y = torch.randint(0, CLASSES, (batch, SIZE, SIZE))

    def step():
        opt.zero_grad(set_to_none=True)
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    return step


def main(argv):
    if len(argv) < 3:
        sys.exit('usage: bench_ref_torch_parser.py THREADS BATCH [WARMUP [TIMED]]')
    threads, batch = int(argv[1]), int(argv[2])
    warmup = int(argv[3]) if len(argv) > 3 else 2
    timed = int(argv[4]) if len(argv) > 4 else 7
    # after the imports: the golden makers set one thread and their seed
    torch.set_num_threads(threads)
    torch.backends.mkldnn.enabled = True
    torch.manual_seed(1)
    step = parser_step(batch)
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
