/* gan99 bench: speed figures that can be compared across machines, each
 * next to the reference where one is at hand (libm for the math functions).
 * Results are printed, never asserted: speed is no test (DEVELOPERS.md). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "../align/align.h"
#include "../nn/nn.h"
#include "../image/image.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
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

/* conv2d and conv_transpose2d at the layer shapes of DCGAN 64x64
 * (pytorch/examples defaults nz 100, ngf = ndf = 64; gan_spec.md §1).
 * FLOPs = 2 N Cout Ho Wo Cin k^2 (conv) or 2 N Cin H W Cout k^2 (the
 * transpose); forward+backward computes the input's and the weight's
 * gradient, 3 times the forward's FLOPs. One run each (they are long). */
static void bench_conv(int batch)
{
    static const struct {
        const char *name;
        int transpose, cin, cout, h, stride, pad;
    } layers[] = {
        { "D main.0", 0, 3, 64, 64, 2, 1 }, { "D main.2", 0, 64, 128, 32, 2, 1 },
        { "D main.5", 0, 128, 256, 16, 2, 1 }, { "D main.8", 0, 256, 512, 8, 2, 1 },
        { "D main.11", 0, 512, 1, 4, 1, 0 }, { "G main.0", 1, 100, 512, 1, 1, 0 },
        { "G main.3", 1, 512, 256, 4, 2, 1 }, { "G main.6", 1, 256, 128, 8, 2, 1 },
        { "G main.9", 1, 128, 64, 16, 2, 1 }, { "G main.12", 1, 64, 3, 32, 2, 1 },
    };
    nn_ctx *ctx = nn_ctx_new(0);
    nn_rng r;
    double flops_f[2] = { 0, 0 }, time_f[2] = { 0, 0 }, time_fb[2] = { 0, 0 };
    size_t i, k;
    if (!ctx) return;
    nn_rng_init(&r, 1, NN_STREAM_NOISE);
    printf("conv: DCGAN 64x64 layer shapes, batch %d, GFLOP/s (forward; forward + input and weight gradients)\n",
           batch);
    printf("  %-10s %-17s %-20s %8s %8s\n", "layer", "op", "input -> output", "fwd", "fwd+bwd");
    for (i = 0; i < sizeof layers / sizeof layers[0]; i++) {
        int xs[4], ws[4], t = layers[i].transpose, ho;
        nn_conv_opts o;
        nn_tensor *x, *w, *y, *gy, *in[2], *g[2];
        double flops, t0, tf, tfb;
        char io[40];
        memset(&o, 0, sizeof o);
        o.stride = layers[i].stride;
        o.padding = layers[i].pad;
        ho = t ? (layers[i].h - 1) * o.stride - 2 * o.padding + 4 : (layers[i].h + 2 * o.padding - 4) / o.stride + 1;
        xs[0] = batch; xs[1] = layers[i].cin; xs[2] = xs[3] = layers[i].h;
        ws[0] = t ? layers[i].cin : layers[i].cout;
        ws[1] = t ? layers[i].cout : layers[i].cin;
        ws[2] = ws[3] = 4;
        nn_ctx_reset(ctx);
        x = nn_tensor_new(ctx, 4, xs);
        w = nn_tensor_new(ctx, 4, ws);
        if (!x || !w) break;
        nn_rng_fill_uniform(&r, x->data, x->numel, -1.0f, 1.0f);
        nn_rng_fill_normal(&r, w->data, w->numel, 0.0f, 0.02f);
        nn_tensor_set_requires_grad(x, 1);
        nn_tensor_set_requires_grad(w, 1);
        flops = 2.0 * batch * layers[i].cin * layers[i].cout * 16.0 *
                (t ? (double)layers[i].h * layers[i].h : (double)ho * ho);
        t0 = now_seconds();
        y = t ? nn_conv_transpose2d(ctx, x, w, NULL, &o) : nn_conv2d(ctx, x, w, NULL, &o);
        tf = now_seconds() - t0;
        if (!y) break;
        gy = nn_tensor_new(ctx, y->ndim, y->shape);
        if (!gy) break;
        for (k = 0; k < gy->numel; k++) gy->data[k] = 1.0f;
        in[0] = x;
        in[1] = w;
        t0 = now_seconds();
        y = t ? nn_conv_transpose2d(ctx, x, w, NULL, &o) : nn_conv2d(ctx, x, w, NULL, &o);
        if (nn_grad(ctx, 1, &y, 2, in, &gy, 0, g)) break;
        tfb = now_seconds() - t0;
        sink = g[0]->data[0] + g[1]->data[0];
        sprintf(io, "%dx%d^2 -> %dx%d^2", layers[i].cin, layers[i].h, layers[i].cout, ho);
        printf("  %-10s %-17s %-20s %8.2f %8.2f\n", layers[i].name, t ? "conv_transpose2d" : "conv2d", io,
               flops / tf * 1e-9, 3.0 * flops / tfb * 1e-9);
        flops_f[t] += flops;
        time_f[t] += tf;
        time_fb[t] += tfb;
    }
    if (nn_ctx_error(ctx)->code) printf("  error: %s\n", nn_ctx_error(ctx)->msg);
    for (k = 0; k < 2; k++)
        if (time_f[k] > 0)
            printf("  %-10s %-17s %-20s %8.2f %8.2f\n", k ? "G total" : "D total", k ? "conv_transpose2d" : "conv2d",
                   "", flops_f[k] / time_f[k] * 1e-9, 3.0 * flops_f[k] / time_fb[k] * 1e-9);
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

static int bench_run(int argc, char **argv)
{
    long n = 4000000;
    int i;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) n = 200000;
        else return cli_usage_error(&cli_cmd_bench, "unknown option '%s'", argv[i]);
    }
    printf("gan99 %s bench%s\n", GAN99_VERSION, n < 4000000 ? " (quick)" : "");
    bench_math(n);
    bench_prng(n);
    bench_crc32(n);
    bench_image(n < 4000000);
    bench_conv(n < 4000000 ? 4 : 64);
    bench_detect(n < 4000000 ? 3 : 10);
    return CLI_OK;
}

const cli_command cli_cmd_bench = {
    "bench",
    "measure gan99's kernels on this machine",
    "usage: gan99 bench [--quick]\n"
    "\n"
    "Prints speed figures (math functions against libm, the PRNG, CRC-32, each best\n"
    "of 3 runs; PNG and JPEG decode and PNG encode of a 1 MP photo from golden/bench,\n"
    "next to PIL's when /usr/bin/python3 has it, best of 3; conv2d and\n"
    "conv_transpose2d at the DCGAN 64x64 layer shapes, batch 64, one run each).\n"
    "Run from the repository root. --quick runs shorter loops and batch 4.\n",
    bench_run,
};
