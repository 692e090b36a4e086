#!/usr/bin/python3
"""PyTorch's side of `gan99 bench conv` (cli/cmd_bench.c): conv2d and
conv_transpose2d (4x4 kernels, no bias) at the given layer shapes, forward
alone and forward + the gradients of input and weight, each the best of REPS
timed calls after one untimed warm-up call (oneDNN builds its primitives on
the first call of a shape).

    /usr/bin/python3 golden/tools/bench_ref_torch_conv.py [THREADS [BATCH [REPS [LAYERS]]]]

LAYERS is `t,cin,cout,h,stride,pad;...` (t = 1 for conv_transpose2d, h the
input's height and width); the default is DCGAN 64x64's ten layers (nz 100,
ngf = ndf = 64), the other defaults 1 thread, batch 4, 3 reps. Tuned as
PyTorch recommends for CPU speed: torch.set_num_threads(THREADS), oneDNN
(mkldnn) on, the forward-only run without autograd (torch.no_grad).
Output: the version, then one line per layer (seconds per call):

    version TORCH_VERSION
    layer INDEX FORWARD_SECONDS FORWARD_BACKWARD_SECONDS

or one line `skip REASON` when torch is not importable.
"""
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:
    print("skip", e)
    sys.exit(0)

DCGAN_LAYERS = ("0,3,64,64,2,1;0,64,128,32,2,1;0,128,256,16,2,1;0,256,512,8,2,1;0,512,1,4,1,0;"
                "1,100,512,1,1,0;1,512,256,4,2,1;1,256,128,8,2,1;1,128,64,16,2,1;1,64,3,32,2,1")


def best_of(fn, reps):
    fn()
    b = 1e30
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        b = min(b, time.perf_counter() - t0)
    return b


def main(argv):
    threads = int(argv[1]) if len(argv) > 1 else 1
    batch = int(argv[2]) if len(argv) > 2 else 4
    reps = int(argv[3]) if len(argv) > 3 else 3
    layers = argv[4] if len(argv) > 4 else DCGAN_LAYERS
    torch.set_num_threads(threads)
    torch.backends.mkldnn.enabled = True
    torch.manual_seed(1)
    print("version", torch.__version__, flush=True)
    for i, spec in enumerate(layers.split(";")):
        t, cin, cout, h, s, p = [int(v) for v in spec.split(",")]
        x = torch.rand(batch, cin, h, h) * 2 - 1
        w = (torch.randn(cin, cout, 4, 4) if t else torch.randn(cout, cin, 4, 4)) * 0.02
        conv = F.conv_transpose2d if t else F.conv2d

        def forward():
            with torch.no_grad():
                conv(x, w, stride=s, padding=p)

        xg, wg = x.clone().requires_grad_(), w.clone().requires_grad_()
        gy = torch.ones_like(conv(x, w, stride=s, padding=p))

        def forward_backward():
            y = conv(xg, wg, stride=s, padding=p)
            torch.autograd.grad(y, [xg, wg], gy)

        print("layer %d %.9f %.9f" % (i, best_of(forward, reps), best_of(forward_backward, reps)), flush=True)


if __name__ == "__main__":
    main(sys.argv)
