/* gan99 bench: speed figures that can be compared across machines, each
 * next to the reference where one is at hand (libm for the math functions).
 * Results are printed, never asserted: speed is no test (DEVELOPERS.md). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "../align/align.h"
#include "../gan/gan.h"
#include "../nn/nn.h"
#include "../nn/kernels/kernels.h"
#include "../image/image.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int fopen_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
}

/* Keeps results alive so the compiler cannot drop the timed loops. */
static volatile float sink;

typedef float (*unary_fn)(float);

static float libm_sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }
static float gan_pow2(float x) { return nn_powf(x, 1.37f); }
static float libm_pow2(float x) { return powf(x, 1.37f); }

/* Best of 3 runs over n arguments spread over [lo, hi): ns per call. */
static double time_unary(unary_fn fn, float lo, float hi, long n)
{
    double best = 1e30;
    int rep;
    for (rep = 0; rep < 3; rep++) {
        float acc = 0.0f, step = (hi - lo) / (float)n;
        double t0 = now_seconds(), t;
        long i;
        for (i = 0; i < n; i++) acc += fn(lo + step * (float)i);
        t = now_seconds() - t0;
        sink = acc;
        if (t < best) best = t;
    }
    return best * 1e9 / (double)n;
}

static void bench_math(long n)
{
    static const struct {
        const char *name;
        unary_fn ours, libm;
        float lo, hi;
    } fns[] = {
        { "exp", nn_expf, expf, -80.0f, 80.0f },
        { "log", nn_logf, logf, 1e-30f, 1e30f },
        { "tanh", nn_tanhf, tanhf, -10.0f, 10.0f },
        { "sigmoid", nn_sigmoidf, libm_sigmoid, -20.0f, 20.0f },
        { "sin", nn_sinf, sinf, -100.0f, 100.0f },
        { "cos", nn_cosf, cosf, -100.0f, 100.0f },
        { "pow(x,1.37)", gan_pow2, libm_pow2, 0.001f, 1000.0f },
    };
    size_t i;
    printf("math: ns per call (gan99 vs the host libm's float function; libm is not used by gan99)\n");
    printf("  %-12s %10s %10s %8s\n", "function", "gan99", "libm", "ratio");
    for (i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        double a = time_unary(fns[i].ours, fns[i].lo, fns[i].hi, n);
        double b = time_unary(fns[i].libm, fns[i].lo, fns[i].hi, n);
        printf("  %-12s %10.2f %10.2f %7.2fx\n", fns[i].name, a, b, a / b);
    }
}

static void bench_prng(long n)
{
    nn_rng r;
    float *buf = (float *)malloc(sizeof(float) * 4096);
    double t0, t;
    long i;
    uint32_t acc = 0;
    if (!buf) return;
    nn_rng_init(&r, 1, NN_STREAM_NOISE);
    t0 = now_seconds();
    for (i = 0; i < n; i++) acc += nn_rng_u32(&r);
    t = now_seconds() - t0;
    sink = (float)acc;
    printf("prng: Philox4x32-10 %.1f M u32/s", (double)n / t * 1e-6);
    t0 = now_seconds();
    for (i = 0; i < n / 4096 + 1; i++) nn_rng_fill_normal(&r, buf, 4096, 0.0f, 1.0f);
    t = now_seconds() - t0;
    printf(", normal %.1f M/s\n", (double)(n / 4096 + 1) * 4096.0 / t * 1e-6);
    free(buf);
}

static void bench_crc32(long n)
{
    size_t len = 1 << 20;
    uint8_t *buf = (uint8_t *)malloc(len);
    uint32_t crc = 0;
    double t0, t;
    long i, reps = n / (long)len * 16 + 1;
    if (!buf) return;
    memset(buf, 0x5A, len);
    t0 = now_seconds();
    for (i = 0; i < reps; i++) crc = g99_crc32(crc, buf, len);
    t = now_seconds() - t0;
    sink = (float)crc;
    printf("crc32: %.0f MB/s\n", (double)reps * (double)len / t * 1e-6);
    free(buf);
}

/* ---- images: gan99's codecs next to PIL's (libjpeg-turbo, libpng/zlib) ---- */

/* The committed ~1 MP photographs (golden/tools/bench_golden.py); the PNG
 * is made from the decoded JPEG by gan99's own encoder, into build/. */
#define BENCH_JPEG "golden/bench/photo_1mp_q90_420.jpg"
#define BENCH_JPEG_PROG "golden/bench/photo_1mp_q90_420_prog.jpg"
#define BENCH_PNG_DIR "build/bench"
#define BENCH_PNG BENCH_PNG_DIR "/photo_1mp.png"

/* PIL's figures on the same files, timed inside python the way gan99 times
 * its own (best of 3 runs, each as many calls as fit in min_s seconds); PNG
 * encoding at zlib level 6, PIL's default. argv: min_s jpeg progressive png.
 * Prints "name seconds-per-call [bytes]" lines. */
static const char pil_script[] =
    "import io, sys, time\n"
    "from PIL import Image\n"
    "min_s = float(sys.argv[1])\n"
    "def best(fn):\n"
    "    b = 1e30\n"
    "    for rep in range(3):\n"
    "        n, t0 = 0, time.perf_counter()\n"
    "        while True:\n"
    "            r = fn()\n"
    "            n += 1\n"
    "            t = time.perf_counter() - t0\n"
    "            if t >= min_s: break\n"
    "        b = min(b, t / n)\n"
    "    return b, r\n"
    "def dec(data):\n"
    "    im = Image.open(io.BytesIO(data))\n"
    "    im.load()\n"
    "    return im\n"
    "def enc(im):\n"
    "    f = io.BytesIO()\n"
    "    im.save(f, 'PNG', compress_level=6)\n"
    "    return len(f.getvalue())\n"
    "jpg, prog, png = (open(p, 'rb').read() for p in sys.argv[2:5])\n"
    "print('jpeg_decode %.9f' % best(lambda: dec(jpg))[0])\n"
    "print('jpeg_prog_decode %.9f' % best(lambda: dec(prog))[0])\n"
    "print('png_decode %.9f' % best(lambda: dec(png))[0])\n"
    "im = dec(png)\n"
    "t, size = best(lambda: enc(im))\n"
    "print('png_encode %.9f %d' % (t, size))\n"
    "print('pil_version ' + Image.__version__)\n";

typedef struct pil_figures {
    int ok;
    double jpeg, jpeg_prog, png_dec, png_enc;  /* seconds per call */
    long png_size;
    char version[32];
} pil_figures;

/* Runs pil_script with /usr/bin/python3 (Debian's, which sees python3-pil);
 * ok stays 0 when python or PIL is missing or the output is not as expected. */
static void pil_run(double min_s, pil_figures *pf)
{
    FILE *pp;
    char cmd[4096], line[256];
    int got = 0, n;
    memset(pf, 0, sizeof *pf);
    if (access("/usr/bin/python3", X_OK) != 0) return;
    /* The script holds no ", $, ` or backslash, so the shell passes it
     * inside double quotes unchanged. */
    n = snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c \"%s\" %g %s %s %s 2>/dev/null", pil_script, min_s,
                 BENCH_JPEG, BENCH_JPEG_PROG, BENCH_PNG);
    if (n < 0 || (size_t)n >= sizeof cmd) return;
    fflush(stdout);
    pp = popen(cmd, "r");
    if (!pp) return;
    while (fgets(line, sizeof line, pp)) {
        got += sscanf(line, "jpeg_decode %lf", &pf->jpeg) == 1;
        got += sscanf(line, "jpeg_prog_decode %lf", &pf->jpeg_prog) == 1;
        got += sscanf(line, "png_decode %lf", &pf->png_dec) == 1;
        got += sscanf(line, "png_encode %lf %ld", &pf->png_enc, &pf->png_size) == 2;
        got += sscanf(line, "pil_version %31s", pf->version) == 1;
    }
    pf->ok = pclose(pp) == 0 && got == 5;
}

typedef enum { BENCH_JPEG_DECODE, BENCH_PNG_DECODE, BENCH_PNG_ENCODE } bench_op;

/* One call of op; returns 0 or a G99_E* code (message in err). */
static int image_op(bench_op op, const uint8_t *data, size_t len, const img_image *src, size_t *out_len,
                    g99_error *err)
{
    img_image img;
    uint8_t *buf;
    int rc;
    if (op == BENCH_PNG_ENCODE) {
        rc = img_png_encode(src, &buf, out_len, err);
        if (!rc) free(buf);
        return rc;
    }
    rc = op == BENCH_JPEG_DECODE ? img_jpeg_decode(data, len, NULL, &img, err)
                                 : img_png_decode(data, len, NULL, &img, err);
    if (!rc) img_free(&img);
    return rc;
}

/* Seconds per call: best of 3 runs, each as many calls as fit in min_s. */
static double time_image_op(bench_op op, const uint8_t *data, size_t len, const img_image *src, double min_s,
                            g99_error *err)
{
    double best = 1e30;
    int rep;
    for (rep = 0; rep < 3; rep++) {
        double t0 = now_seconds(), t;
        long calls = 0;
        size_t out_len;
        do {
            if (image_op(op, data, len, src, &out_len, err)) return -1.0;
            calls++;
            t = now_seconds() - t0;
        } while (t < min_s);
        if (t / (double)calls < best) best = t / (double)calls;
    }
    return best;
}

/* One row of the table: MB/s of decoded (or encoded) pixel bytes. */
static void image_row(const char *name, double pixel_bytes, double ours, double pil, int have_pil)
{
    printf("  %-26s %10.1f", name, pixel_bytes / ours * 1e-6);
    if (have_pil) printf(" %10.1f %7.2fx", pixel_bytes / pil * 1e-6, pil / ours);
    printf("\n");
}

static void bench_image(int quick)
{
    double min_s = quick ? 0.05 : 0.3, mb, t_jpeg, t_prog, t_pdec, t_penc;
    uint8_t *jpg = NULL, *prog = NULL, *png = NULL;
    size_t jpg_len, prog_len, png_len;
    img_image img;
    pil_figures pf;
    g99_error err;
    img.data = NULL;
    if (g99_read_file(BENCH_JPEG, (size_t)1 << 26, &jpg, &jpg_len, &err) ||
        g99_read_file(BENCH_JPEG_PROG, (size_t)1 << 26, &prog, &prog_len, &err)) {
        printf("image: skipped (%s; run from the repository root)\n", err.msg);
        goto done;
    }
    /* An existing folder is fine; any other trouble shows when writing. */
    mkdir("build", 0777);
    mkdir(BENCH_PNG_DIR, 0777);
    if (img_jpeg_decode(jpg, jpg_len, NULL, &img, &err) || img_png_encode(&img, &png, &png_len, &err) ||
        g99_write_file_atomic(BENCH_PNG, png, png_len, &err)) {
        printf("image: skipped (%s)\n", err.msg);
        goto done;
    }
    mb = (double)img.width * img.height * img.channels;
    t_jpeg = time_image_op(BENCH_JPEG_DECODE, jpg, jpg_len, NULL, min_s, &err);
    t_prog = time_image_op(BENCH_JPEG_DECODE, prog, prog_len, NULL, min_s, &err);
    t_pdec = time_image_op(BENCH_PNG_DECODE, png, png_len, NULL, min_s, &err);
    t_penc = time_image_op(BENCH_PNG_ENCODE, NULL, 0, &img, min_s, &err);
    if (t_jpeg < 0 || t_prog < 0 || t_pdec < 0 || t_penc < 0) {
        printf("image: failed (%s)\n", err.msg);
        goto done;
    }
    pil_run(min_s, &pf);
    printf("image: %dx%d RGB photo (%s), MB/s of pixel bytes, best of 3; %s\n", img.width, img.height,
           BENCH_JPEG, pf.ok ? "PIL via /usr/bin/python3, ratio = gan99 speed / PIL speed" : "PIL not available");
    printf("  %-26s %10s", "operation", "gan99");
    if (pf.ok) printf(" %10s %8s", "PIL", "ratio");
    printf("\n");
    image_row("JPEG decode baseline 4:2:0", mb, t_jpeg, pf.jpeg, pf.ok);
    image_row("JPEG decode progressive", mb, t_prog, pf.jpeg_prog, pf.ok);
    printf("  %-26s %10.1f", "JPEG decode MP/s (baseline)", (double)img.width * img.height / t_jpeg * 1e-6);
    if (pf.ok) printf(" %10.1f %7.2fx", (double)img.width * img.height / pf.jpeg * 1e-6, pf.jpeg / t_jpeg);
    printf("\n");
    image_row("PNG decode", mb, t_pdec, pf.png_dec, pf.ok);
    image_row("PNG encode", mb, t_penc, pf.png_enc, pf.ok);
    printf("  %-26s %10lu", "PNG size (bytes)", (unsigned long)png_len);
    if (pf.ok) printf(" %10ld %7.3fx", pf.png_size, (double)png_len / (double)pf.png_size);
    printf("\n");
    if (pf.ok) printf("  (PIL %s: libjpeg-turbo, zlib level 6; size ratio = gan99 / PIL)\n", pf.version);
done:
    img_free(&img);
    free(jpg);
    free(prog);
    free(png);
}

/* ---- kernels: SGEMM and the DCGAN conv layers per kernel set ------------ */

/* Peak fp32 FMA throughput per core that the fast-kernels issue measured
 * on its author's machine (Zen 4): an assumption here, printed as such;
 * "% of peak" means of this figure times the threads. */
#define PEAK_GFLOPS_PER_CORE 117.0

static void bench_sgemm(size_t n)
{
    float *a = (float *)malloc(sizeof(float) * n * n * 3), *b, *c;
    int p, orig = nn_k_path(), T = nn_k_threads();
    size_t i;
    if (!a) return;
    b = a + n * n;
    c = b + n * n;
    for (i = 0; i < n * n; i++) {
        a[i] = (float)(i % 13) / 13.0f - 0.5f;
        b[i] = (float)(i % 11) / 11.0f - 0.5f;
    }
    printf("sgemm %lux%lux%lu, %d thread(s): GFLOP/s per kernel set (best of 20; %% of %.0f GFLOP/s per core, "
           "assumed)\n", (unsigned long)n, (unsigned long)n, (unsigned long)n, T, PEAK_GFLOPS_PER_CORE);
    for (p = 0; p < NN_K_NPATHS; p++) {
        double best = 1e30, gf;
        int rep, reps = p == NN_K_SCALAR ? 1 : 20;
        if (nn_k_path_set(p)) continue;
        for (rep = 0; rep < reps; rep++) {
            double t0, t;
            memset(c, 0, sizeof(float) * n * n);
            t0 = now_seconds();
            nn_k_sgemm(0, 0, n, n, n, a, n, b, n, c, n);
            t = now_seconds() - t0;
            if (t < best) best = t;
        }
        sink = c[n + 1];
        gf = 2.0 * (double)n * (double)n * (double)n / best * 1e-9;
        printf("  %-8s %8.1f %5.0f%%\n", nn_k_path_name(p), gf, 100.0 * gf / (PEAK_GFLOPS_PER_CORE * T));
    }
    nn_k_path_set(orig);
    free(a);
}

/* conv2d and conv_transpose2d at the layer shapes of DCGAN 64x64
 * (pytorch/examples defaults nz 100, ngf = ndf = 64; gan_spec.md §1).
 * FLOPs = 2 N Cout Ho Wo Cin k^2 (conv) or 2 N Cin H W Cout k^2 (the
 * transpose); forward+backward computes the input's and the weight's
 * gradient, 3 times the forward's FLOPs. */
static const struct conv_layer {
    const char *name;
    int transpose, cin, cout, h, stride, pad;
} layers[] = {
    { "D main.0", 0, 3, 64, 64, 2, 1 }, { "D main.2", 0, 64, 128, 32, 2, 1 },
    { "D main.5", 0, 128, 256, 16, 2, 1 }, { "D main.8", 0, 256, 512, 8, 2, 1 },
    { "D main.11", 0, 512, 1, 4, 1, 0 }, { "G main.0", 1, 100, 512, 1, 1, 0 },
    { "G main.3", 1, 512, 256, 4, 2, 1 }, { "G main.6", 1, 256, 128, 8, 2, 1 },
    { "G main.9", 1, 128, 64, 16, 2, 1 }, { "G main.12", 1, 64, 3, 32, 2, 1 },
};
enum { N_LAYERS = sizeof layers / sizeof layers[0] };

static double layer_flops(const struct conv_layer *l, int batch)
{
    int t = l->transpose, ho = t ? (l->h - 1) * l->stride - 2 * l->pad + 4 : (l->h + 2 * l->pad - 4) / l->stride + 1;
    return 2.0 * batch * l->cin * l->cout * 16.0 * (t ? (double)l->h * l->h : (double)ho * ho);
}

/* The same layers in PyTorch, as the issue asks for a fair run: T threads
 * for OpenMP, OpenBLAS and torch itself, passive waiting, and glibc told
 * to keep freed memory (no page faults from re-mapping big buffers). One
 * line per layer: "fwd_seconds fwdbwd_seconds", best of reps. */
static const char torch_script[] =
    "import sys, time, torch\n"
    "T, B, R = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])\n"
    "torch.set_num_threads(T)\n"
    "torch.manual_seed(1)\n"
    "F = torch.nn.functional\n"
    "for spec in sys.argv[4].split(\";\"):\n"
    "    t, cin, cout, h, s, p = [int(v) for v in spec.split(\",\")]\n"
    "    x = (torch.rand(B, cin, h, h) * 2 - 1).requires_grad_()\n"
    "    w = (torch.randn(cin, cout, 4, 4) if t else torch.randn(cout, cin, 4, 4)) * 0.02\n"
    "    w.requires_grad_()\n"
    "    f = (lambda: F.conv_transpose2d(x, w, stride=s, padding=p)) if t else "
    "(lambda: F.conv2d(x, w, stride=s, padding=p))\n"
    "    bf = bb = 1e30\n"
    "    for r in range(R):\n"
    "        t0 = time.perf_counter(); y = f(); bf = min(bf, time.perf_counter() - t0)\n"
    "        g = torch.ones_like(y)\n"
    "        t0 = time.perf_counter(); y = f(); torch.autograd.grad(y, [x, w], g)\n"
    "        bb = min(bb, time.perf_counter() - t0)\n"
    "    print(bf, bb, flush=True)\n";

/* Fills tf[i], tb[i] from PyTorch, or returns 0 when python3 with torch is
 * not at hand. */
static int torch_times(int threads, int batch, int reps, double *tf, double *tb)
{
    char cmd[4096], specs[512];
    size_t used = 0;
    int i, n = 0;
    FILE *f;
    if (!fopen_exists("/usr/bin/python3")) return 0;
    for (i = 0; i < N_LAYERS; i++)
        used += (size_t)sprintf(specs + used, "%s%d,%d,%d,%d,%d,%d", i ? ";" : "", layers[i].transpose,
                                layers[i].cin, layers[i].cout, layers[i].h, layers[i].stride, layers[i].pad);
    snprintf(cmd, sizeof cmd,
             "OMP_NUM_THREADS=%d OPENBLAS_NUM_THREADS=%d OMP_WAIT_POLICY=PASSIVE "
             "MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=1073741824 "
             "/usr/bin/python3 -c '%s' %d %d %d '%s' 2>/dev/null",
             threads, threads, torch_script, threads, batch, reps, specs);
    f = popen(cmd, "r");
    if (!f) return 0;
    while (n < N_LAYERS && fscanf(f, "%lf %lf", &tf[n], &tb[n]) == 2) n++;
    pclose(f);
    return n == N_LAYERS;
}

/* Times one layer on the active kernel set: best of reps. */
static int time_layer(nn_ctx *ctx, nn_rng *r, const struct conv_layer *l, int batch, int reps, double *tf,
                      double *tb)
{
    int xs[4], ws[4], t = l->transpose, rep;
    nn_conv_opts o;
    nn_tensor *x, *w, *y, *gy, *in[2], *g[2];
    size_t k;
    memset(&o, 0, sizeof o);
    o.stride = l->stride;
    o.padding = l->pad;
    xs[0] = batch; xs[1] = l->cin; xs[2] = xs[3] = l->h;
    ws[0] = t ? l->cin : l->cout;
    ws[1] = t ? l->cout : l->cin;
    ws[2] = ws[3] = 4;
    *tf = *tb = 1e30;
    for (rep = 0; rep < reps; rep++) {
        double t0, dt;
        nn_ctx_reset(ctx);
        x = nn_tensor_new(ctx, 4, xs);
        w = nn_tensor_new(ctx, 4, ws);
        if (!x || !w) return 0;
        nn_rng_fill_uniform(r, x->data, x->numel, -1.0f, 1.0f);
        nn_rng_fill_normal(r, w->data, w->numel, 0.0f, 0.02f);
        nn_tensor_set_requires_grad(x, 1);
        nn_tensor_set_requires_grad(w, 1);
        t0 = now_seconds();
        y = t ? nn_conv_transpose2d(ctx, x, w, NULL, &o) : nn_conv2d(ctx, x, w, NULL, &o);
        dt = now_seconds() - t0;
        if (!y) return 0;
        if (dt < *tf) *tf = dt;
        gy = nn_tensor_new(ctx, y->ndim, y->shape);
        if (!gy) return 0;
        for (k = 0; k < gy->numel; k++) gy->data[k] = 1.0f;
        in[0] = x;
        in[1] = w;
        t0 = now_seconds();
        y = t ? nn_conv_transpose2d(ctx, x, w, NULL, &o) : nn_conv2d(ctx, x, w, NULL, &o);
        if (nn_grad(ctx, 1, &y, 2, in, &gy, 0, g)) return 0;
        dt = now_seconds() - t0;
        if (dt < *tb) *tb = dt;
        sink = g[0]->data[0] + g[1]->data[0];
    }
    return 1;
}

static void bench_conv(int batch, int reps)
{
    double torch_f[N_LAYERS], torch_b[N_LAYERS], peak;
    int have_torch, p, orig = nn_k_path(), T = nn_k_threads();
    nn_ctx *ctx = nn_ctx_new(0);
    nn_rng r;
    if (!ctx) return;
    nn_rng_init(&r, 1, NN_STREAM_NOISE);
    peak = PEAK_GFLOPS_PER_CORE * T;
    printf("conv: DCGAN 64x64 layer shapes, batch %d, %d thread(s), best of %d; GFLOP/s and %% of %.0f GFLOP/s\n"
           "  (the assumed peak), forward and forward + input and weight gradients\n", batch, T, reps, peak);
    have_torch = torch_times(T, batch, reps, torch_f, torch_b);
    if (have_torch)
        printf("  PyTorch (/usr/bin/python3, torch %d threads, OMP_WAIT_POLICY=PASSIVE, MALLOC_*_THRESHOLD_=1 GiB):\n"
               "  GFLOP/s of the same layers; \"x\" = PyTorch's time / gan99's (above 1: gan99 is faster)\n", T);
    else
        printf("  (no /usr/bin/python3 with torch: no PyTorch comparison)\n");
    for (p = NN_K_SCALAR + 1; p < NN_K_NPATHS; p++) {
        double sum_f[2] = { 0, 0 }, sum_b[2] = { 0, 0 }, sum_tf[2] = { 0, 0 }, sum_tb[2] = { 0, 0 }, fl[2] = { 0, 0 };
        int i, k;
        if (nn_k_path_set(p)) continue;
        printf("  kernel set %s\n", nn_k_path_name(p));
        printf("  %-10s %-19s %7s %5s %7s %5s", "layer", "input -> output", "fwd", "%pk", "fwd+bwd", "%pk");
        if (have_torch) printf(" | %7s %7s %6s %6s", "torch f", "f+b", "x f", "x f+b");
        printf("\n");
        for (i = 0; i < N_LAYERS; i++) {
            const struct conv_layer *l = &layers[i];
            double tf, tb, f = layer_flops(l, batch);
            int t = l->transpose, ho = t ? (l->h - 1) * l->stride - 2 * l->pad + 4 : (l->h + 2 * l->pad - 4) / l->stride + 1;
            char io[40];
            if (!time_layer(ctx, &r, l, batch, reps, &tf, &tb)) break;
            sprintf(io, "%dx%d^2 -> %dx%d^2", l->cin, l->h, l->cout, ho);
            printf("  %-10s %-19s %7.1f %4.0f%% %7.1f %4.0f%%", l->name, io, f / tf * 1e-9, 100.0 * f / tf * 1e-9 / peak,
                   3.0 * f / tb * 1e-9, 300.0 * f / tb * 1e-9 / peak);
            if (have_torch)
                printf(" | %7.1f %7.1f %5.2fx %5.2fx", f / torch_f[i] * 1e-9, 3.0 * f / torch_b[i] * 1e-9, torch_f[i] / tf,
                       torch_b[i] / tb);
            printf("\n");
            fl[t] += f;
            sum_f[t] += tf;
            sum_b[t] += tb;
            sum_tf[t] += torch_f[i];
            sum_tb[t] += torch_b[i];
        }
        if (nn_ctx_error(ctx)->code) {
            printf("  error: %s\n", nn_ctx_error(ctx)->msg);
            break;
        }
        for (k = 0; k < 2; k++) {
            printf("  %-10s %-19s %7.1f %4.0f%% %7.1f %4.0f%%", k ? "G total" : "D total", "", fl[k] / sum_f[k] * 1e-9,
                   100.0 * fl[k] / sum_f[k] * 1e-9 / peak, 3.0 * fl[k] / sum_b[k] * 1e-9,
                   300.0 * fl[k] / sum_b[k] * 1e-9 / peak);
            if (have_torch)
                printf(" | %7.1f %7.1f %5.2fx %5.2fx", fl[k] / sum_tf[k] * 1e-9, 3.0 * fl[k] / sum_tb[k] * 1e-9,
                       sum_tf[k] / sum_f[k], sum_tb[k] / sum_b[k]);
            printf("\n");
        }
    }
    nn_k_path_set(orig);
    nn_ctx_free(ctx);
}

/* Haar face detection (align/): ms per detectMultiScale call with
 * frontalface_default (1.1, 3) on the shipped photo, best of reps, and
 * OpenCV's time for the same call on the same photo when Debian's cv2 is
 * importable (an inline /usr/bin/python3 script through popen), with one
 * thread and with two. The grey images come from two JPEG decoders and may
 * differ in a few pixels; the detection counts are printed as a check. */
static void bench_detect(int reps)
{
    static const char photo[] = "data/astronaut.jpg";
    static const char script[] =
        "import sys, time, cv2\n"
        "g = cv2.cvtColor(cv2.imread(sys.argv[1]), cv2.COLOR_BGR2GRAY)\n"
        "c = cv2.CascadeClassifier(sys.argv[2])\n"
        "for t in (1, 2):\n"
        "    cv2.setNumThreads(t)\n"
        "    best, n = 1e30, 0\n"
        "    for i in range(int(sys.argv[3])):\n"
        "        t0 = time.perf_counter(); n = len(c.detectMultiScale(g, 1.1, 3))\n"
        "        best = min(best, time.perf_counter() - t0)\n"
        "    print(t, best * 1e3, n)\n";
    char cascade[1200], cmd[4096];
    haar_cascade *c = NULL;
    img_image img, grey;
    haar_params p;
    haar_box *boxes = NULL;
    double best = 1e30, mp, cv_ms[2] = { 0, 0 };
    int n = 0, rep, cv_n[2] = { 0, 0 }, have_cv = 0;
    const char *q;
    char *o;
    FILE *f;
    g99_error err;
    printf("detect: frontalface_default (1.1, 3), ms per detectMultiScale (best of %d)\n", reps);
    if (!cli_cascade_path("frontalface_default", cascade, sizeof cascade) || haar_cascade_load(cascade, &c, &err)) {
        printf("  skipped: cascade frontalface_default not found\n");
        return;
    }
    if (cli_read_image(photo, &img, &err) || img_grey(&img, IMG_ORDER_RGB, &grey, &err)) {
        printf("  skipped: %s\n", err.msg);
        haar_cascade_free(c);
        return;
    }
    img_free(&img);
    haar_params_default(&p);
    for (rep = 0; rep < reps; rep++) {
        double t0 = now_seconds(), t;
        free(boxes);
        boxes = NULL;
        if (haar_detect_multiscale(c, &grey, &p, &boxes, &n, &err)) break;
        t = now_seconds() - t0;
        if (t < best) best = t;
    }
    free(boxes);
    mp = (double)grey.width * grey.height * 1e-6;
    /* The script goes in single quotes: it holds none itself. */
    o = cmd + sprintf(cmd, "/usr/bin/python3 -c '");
    for (q = script; *q; q++) *o++ = *q;
    sprintf(o, "' '%s' '%s' %d 2>/dev/null", photo, cascade, reps);
    if (!strchr(cascade, '\'') && (f = popen(cmd, "r")) != NULL) {
        int t, k;
        double ms;
        while (fscanf(f, "%d %lf %d", &t, &ms, &k) == 3)
            if (t == 1 || t == 2) {
                cv_ms[t - 1] = ms;
                cv_n[t - 1] = k;
                have_cv |= t;
            }
        pclose(f);
    }
    printf("  %-22s %10s %10s %8s %11s\n", "", "ms", "ms/MP", "faces", "gan99/this");
    printf("  %-22s %10.2f %10.2f %8d\n", "gan99 (1 thread)", best * 1e3, best * 1e3 / mp, n);
    for (rep = 0; rep < 2; rep++)
        if (have_cv & (1 << rep)) {
            char label[32];
            sprintf(label, "OpenCV (%d thread%s)", rep + 1, rep ? "s" : "");
            printf("  %-22s %10.2f %10.2f %8d %10.2fx\n", label, cv_ms[rep], cv_ms[rep] / mp, cv_n[rep],
                   best * 1e3 / cv_ms[rep]);
        }
    if (!have_cv) printf("  OpenCV: python3 with cv2 not available\n");
    printf("  (%s, %dx%d)\n", photo, grey.width, grey.height);
    img_free(&grey);
    haar_cascade_free(c);
}

/* ---- one DCGAN 64x64 training step, next to PyTorch's -------------------- */

/* The pytorch/examples DCGAN (nz 100, ngf = ndf = 64, nc 3) and its training
 * step: BCELoss, Adam(2e-4, (0.5, 0.999)) for both, D on a real batch, D on
 * a fake one, then G through D; data uniform in [-1, 1] from a fixed seed.
 * argv: threads batch warm-up timed. Prints the median step time (of an
 * even count, the mean of the middle two), its own
 * peak RSS (KiB on Linux) and torch's version. No single quotes: the shell
 * gets the script inside them. */
static const char torch_dcgan_script[] =
    "import sys, time, resource, torch\n"
    "from torch import nn\n"
    "T, B, W, R = [int(v) for v in sys.argv[1:5]]\n"
    "torch.set_num_threads(T)\n"
    "torch.manual_seed(1)\n"
    "nz, ngf, ndf, nc = 100, 64, 64, 3\n"
    "def up(i, o, s, p, last=False):\n"
    "    c = nn.ConvTranspose2d(i, o, 4, s, p, bias=False)\n"
    "    return [c, nn.Tanh()] if last else [c, nn.BatchNorm2d(o), nn.ReLU(True)]\n"
    "def down(i, o, bn):\n"
    "    c = nn.Conv2d(i, o, 4, 2, 1, bias=False)\n"
    "    return [c, nn.BatchNorm2d(o), nn.LeakyReLU(0.2, True)] if bn else [c, nn.LeakyReLU(0.2, True)]\n"
    "G = nn.Sequential(*(up(nz, ngf * 8, 1, 0) + up(ngf * 8, ngf * 4, 2, 1) + up(ngf * 4, ngf * 2, 2, 1)\n"
    "                    + up(ngf * 2, ngf, 2, 1) + up(ngf, nc, 2, 1, True)))\n"
    "D = nn.Sequential(*(down(nc, ndf, False) + down(ndf, ndf * 2, True) + down(ndf * 2, ndf * 4, True)\n"
    "                    + down(ndf * 4, ndf * 8, True) + [nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid()]))\n"
    "for m in list(G.modules()) + list(D.modules()):\n"
    "    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)): nn.init.normal_(m.weight, 0.0, 0.02)\n"
    "    elif isinstance(m, nn.BatchNorm2d):\n"
    "        nn.init.normal_(m.weight, 1.0, 0.02)\n"
    "        nn.init.zeros_(m.bias)\n"
    "bce = nn.BCELoss()\n"
    "opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))\n"
    "opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))\n"
    "real = torch.rand(B, nc, 64, 64) * 2 - 1\n"
    "ones, zeros = torch.ones(B), torch.zeros(B)\n"
    "def step():\n"
    "    D.zero_grad()\n"
    "    bce(D(real).view(-1), ones).backward()\n"
    "    fake = G(torch.randn(B, nz, 1, 1))\n"
    "    bce(D(fake.detach()).view(-1), zeros).backward()\n"
    "    opt_d.step()\n"
    "    G.zero_grad()\n"
    "    bce(D(fake).view(-1), ones).backward()\n"
    "    opt_g.step()\n"
    "ts = []\n"
    "for i in range(W + R):\n"
    "    t0 = time.perf_counter(); step(); t = time.perf_counter() - t0\n"
    "    if i >= W: ts.append(t)\n"
    "ts.sort()\n"
    "print(\"step %.9f\" % ((ts[(R - 1) // 2] + ts[R // 2]) / 2))\n"
    "print(\"rss %d\" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    "print(\"version \" + torch.__version__, flush=True)\n";

typedef struct torch_step {
    int ok;
    double seconds;
    long rss_kib;
    char version[32];
} torch_step;

/* Runs torch_dcgan_script fairly (as torch_times); ok stays 0 when
 * /usr/bin/python3 or torch is missing or the output is not as expected. */
static void torch_dcgan_run(int threads, int batch, int warmup, int timed, torch_step *ts)
{
    char cmd[8192], line[256];
    int n, got = 0;
    FILE *f;
    memset(ts, 0, sizeof *ts);
    if (!fopen_exists("/usr/bin/python3")) return;
    n = snprintf(cmd, sizeof cmd,
                 "OMP_NUM_THREADS=%d OPENBLAS_NUM_THREADS=%d OMP_WAIT_POLICY=PASSIVE "
                 "MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=1073741824 "
                 "/usr/bin/python3 -c '%s' %d %d %d %d 2>/dev/null",
                 threads, threads, torch_dcgan_script, threads, batch, warmup, timed);
    if (n < 0 || (size_t)n >= sizeof cmd) return;
    fflush(stdout);
    f = popen(cmd, "r");
    if (!f) return;
    while (fgets(line, sizeof line, f)) {
        got += sscanf(line, "step %lf", &ts->seconds) == 1;
        got += sscanf(line, "rss %ld", &ts->rss_kib) == 1;
        got += sscanf(line, "version %31s", ts->version) == 1;
    }
    ts->ok = pclose(f) == 0 && got == 3;
}

/* The process's peak resident set so far, in MiB: getrusage's ru_maxrss,
 * which Linux gives in KiB (macOS in bytes; this bench assumes KiB). */
static double peak_rss_mib(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0.0;
    return (double)ru.ru_maxrss / 1024.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median time of gan99's real training step (gan_dcgan_train_step) of
 * DCGAN 64x64 at the reference widths, after warmup untimed steps; PyTorch
 * times torch_timed steps (fewer keep the bench short: its step can be
 * several times slower). */
static void bench_dcgan_step(int batch, int warmup, int timed, int torch_timed)
{
    enum { MAX_TIMED = 16 };
    gan_dcgan_config cfg;
    gan_dcgan m;
    gan_dcgan_trainer tr;
    gan_dcgan_losses losses;
    torch_step ts;
    nn_rng rng;
    float lr, beta1, *real = NULL;
    double times[MAX_TIMED], rss_before = peak_rss_mib(), med;
    int i, T = nn_k_threads(), have_model = 0, have_trainer = 0;
    size_t n_real = (size_t)batch * 3 * 64 * 64;
    g99_error err;
    if (timed < 1) timed = 1;
    if (timed > MAX_TIMED) timed = MAX_TIMED;
    printf("dcgan: one training step of DCGAN 64x64 (nz 100, ngf = ndf = 64, nc 3), batch %d, %d thread(s);\n"
           "  median of %d timed steps after %d warm-up (PyTorch: %d after %d), seeded random data\n"
           "  (D real + D fake + G, Adam)\n",
           batch, T, timed, warmup, torch_timed, warmup);
    memset(&cfg, 0, sizeof cfg);
    cfg.nz = 100;
    cfg.ngf = cfg.ndf = 64;
    cfg.nc = 3;
    cfg.size = 64;
    g99_error_clear(&err);
    if (gan_dcgan_init(&m, &cfg, &err)) goto fail;
    have_model = 1;
    nn_rng_init(&rng, 1, NN_STREAM_INIT);
    gan_dcgan_weights_init(&m, &rng);
    gan_dcgan_train_defaults(64, &lr, &beta1);
    if (gan_dcgan_trainer_init(&tr, &m, batch, lr, beta1, 1, &err)) goto fail;
    have_trainer = 1;
    real = (float *)malloc(n_real * sizeof *real);
    if (!real) {
        g99_fail(&err, G99_ENOMEM, "out of memory");
        goto fail;
    }
    nn_rng_init(&rng, 1, NN_STREAM_DATA);
    nn_rng_fill_uniform(&rng, real, n_real, -1.0f, 1.0f);
    for (i = 0; i < warmup + timed; i++) {
        double t0 = now_seconds();
        if (gan_dcgan_train_step(&tr, real, &losses, &err)) goto fail;
        if (i >= warmup) times[i - warmup] = now_seconds() - t0;
    }
    qsort(times, (size_t)timed, sizeof times[0], cmp_double);
    med = 0.5 * (times[(timed - 1) / 2] + times[timed / 2]);
    torch_dcgan_run(T, batch, warmup, torch_timed, &ts);
    printf("  %-8s %10s %10s %14s\n", "", "s/step", "images/s", "peak RSS MiB");
    printf("  %-8s %10.3f %10.1f %14.0f  (whole bench process so far; %.0f before this section)\n", "gan99", med,
           batch / med, peak_rss_mib(), rss_before);
    if (ts.ok) {
        printf("  %-8s %10.3f %10.1f %14.0f  (torch %s, its own process)\n", "PyTorch", ts.seconds,
               batch / ts.seconds, (double)ts.rss_kib / 1024.0, ts.version);
        printf("  ratio gan99/PyTorch time %.2fx (below 1: gan99 is faster); PyTorch with %d thread(s),\n"
               "  OMP_WAIT_POLICY=PASSIVE, MALLOC_*_THRESHOLD_=1 GiB\n", med / ts.seconds, T);
    } else {
        printf("  (no /usr/bin/python3 with torch: no PyTorch comparison)\n");
    }
    printf("  (losses of the last step: D %.3f, G %.3f)\n", losses.d_real + losses.d_fake, losses.g);
    goto done;
fail:
    printf("  failed: %s\n", err.msg);
done:
    free(real);
    if (have_trainer) gan_dcgan_trainer_free(&tr);
    if (have_model) gan_dcgan_free(&m);
}

static void bench_kernels_header(void)
{
    int p;
    printf("kernels: active set %s (GAN99_SIMD overrides); this CPU runs:", nn_k_path_name(nn_k_path()));
    for (p = 0; p < NN_K_NPATHS; p++)
        if (nn_k_path_supported(p)) printf(" %s", nn_k_path_name(p));
    printf("; %d thread(s)\n", nn_k_threads());
}

/* The sections, in the order they run; naming some on the command line runs
 * only those. */
static const char *const sections[] = { "math", "prng", "crc32", "image", "sgemm", "conv", "detect", "dcgan" };
enum { N_SECTIONS = sizeof sections / sizeof sections[0] };

static int bench_run(int argc, char **argv)
{
    long n = 4000000;
    int i, s, quick, want[N_SECTIONS], any = 0;
    memset(want, 0, sizeof want);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            n = 200000;
            continue;
        }
        for (s = 0; s < N_SECTIONS && strcmp(argv[i], sections[s]) != 0; s++) {}
        if (s == N_SECTIONS) return cli_usage_error(&cli_cmd_bench, "unknown option or section '%s'", argv[i]);
        want[s] = any = 1;
    }
    if (!any)
        for (s = 0; s < N_SECTIONS; s++) want[s] = 1;
    quick = n < 4000000;
    printf("gan99 %s bench%s\n", GAN99_VERSION, quick ? " (quick)" : "");
    if (want[0]) bench_math(n);
    if (want[1]) bench_prng(n);
    if (want[2]) bench_crc32(n);
    if (want[3]) bench_image(quick);
    if (want[4] || want[5] || want[7]) bench_kernels_header();
    if (want[4]) bench_sgemm(quick ? 256 : 1024);
    if (want[5]) bench_conv(quick ? 4 : 64, quick ? 1 : 3);
    if (want[6]) bench_detect(quick ? 3 : 10);
    if (want[7]) bench_dcgan_step(quick ? 8 : 64, 1, 3, quick ? 3 : 2);
    return CLI_OK;
}

const cli_command cli_cmd_bench = {
    "bench",
    "measure gan99's kernels on this machine",
    "usage: gan99 bench [--quick] [SECTION...]\n"
    "\n"
    "Prints speed figures: math functions against libm, the PRNG, CRC-32 (best of\n"
    "3 runs); PNG and JPEG decode and PNG encode of a 1 MP photo from golden/bench,\n"
    "next to PIL's when /usr/bin/python3 has it, best of 3; SGEMM 1024^3 on every\n"
    "kernel set this CPU runs; conv2d and conv_transpose2d at the DCGAN 64x64 layer\n"
    "shapes, batch 64, on every SIMD kernel set, with % of an assumed peak and,\n"
    "when /usr/bin/python3 has torch, PyTorch's times for the same layers side by\n"
    "side; Haar face detection next to OpenCV's; one DCGAN 64x64 training step at\n"
    "batch 64 (median of 3 after 1 warm-up; PyTorch's of 2), images/s and peak\n"
    "memory, next to the same step in PyTorch. Threads: OMP_NUM_THREADS (OPENMP=1\n"
    "builds). Run from the repository root. --quick runs shorter loops, SGEMM\n"
    "256^3, conv batch 4 and DCGAN batch 8. SECTIONs (math prng crc32 image sgemm\n"
    "conv detect dcgan) run only those.\n",
    bench_run,
};
