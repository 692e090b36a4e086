/* gan99 bench: speed figures that can be compared across machines, each
 * next to the reference's where one is at hand: libm for the math
 * functions, PIL for the codecs, OpenCV for face detection, PyTorch for the
 * conv layers and a DCGAN training step (golden/tools/bench_ref_*.py, run
 * through /usr/bin/python3 when it has the module). Results are printed,
 * never asserted: speed is no test. The kernel sections are in
 * cli/bench_kernels.c, the training step in cli/bench_dcgan.c. */
#include "cli.h"
#include "bench.h"
#include "../align/align.h"
#include "../nn/nn.h"
#include "../image/image.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        double t0 = g99_now_seconds(), t;
        long i;
        for (i = 0; i < n; i++) acc += fn(lo + step * (float)i);
        t = g99_now_seconds() - t0;
        bench_sink = acc;
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
    t0 = g99_now_seconds();
    for (i = 0; i < n; i++) acc += nn_rng_u32(&r);
    t = g99_now_seconds() - t0;
    bench_sink = (float)acc;
    printf("prng: Philox4x32-10 %.1f M u32/s", (double)n / t * 1e-6);
    t0 = g99_now_seconds();
    for (i = 0; i < n / 4096 + 1; i++) nn_rng_fill_normal(&r, buf, 4096, 0.0f, 1.0f);
    t = g99_now_seconds() - t0;
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
    t0 = g99_now_seconds();
    for (i = 0; i < reps; i++) crc = g99_crc32(crc, buf, len);
    t = g99_now_seconds() - t0;
    bench_sink = (float)crc;
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

/* PIL's figures on the same files (bench_ref_pil.py, timed the same way),
 * from its lines "jpeg_decode S", "jpeg_prog_decode S", "png_decode S",
 * "png_encode S BYTES" and "version V". */
typedef struct pil_figures {
    int got;   /* one bit per line read */
    double jpeg, jpeg_prog, png_dec, png_enc;  /* seconds per call */
    long png_size;
    char version[32];
} pil_figures;

static int pil_line(const char *line, void *ctx)
{
    pil_figures *pf = (pil_figures *)ctx;
    int before = pf->got;
    if (sscanf(line, "jpeg_decode %lf", &pf->jpeg) == 1) pf->got |= 1;
    else if (sscanf(line, "jpeg_prog_decode %lf", &pf->jpeg_prog) == 1) pf->got |= 2;
    else if (sscanf(line, "png_decode %lf", &pf->png_dec) == 1) pf->got |= 4;
    else if (sscanf(line, "png_encode %lf %ld", &pf->png_enc, &pf->png_size) == 2) pf->got |= 8;
    else if (sscanf(line, "version %31s", pf->version) == 1) pf->got |= 16;
    return pf->got != before;
}

/* 1 with pf filled, or 0 with the reason in why. */
static int pil_run(double min_s, pil_figures *pf, char *why, size_t why_size)
{
    char args[600];
    sprintf(args, "%g", min_s);
    memset(pf, 0, sizeof *pf);
    if (!bench_shell_quote(args, sizeof args, BENCH_JPEG) || !bench_shell_quote(args, sizeof args, BENCH_JPEG_PROG) ||
        !bench_shell_quote(args, sizeof args, BENCH_PNG)) {
        snprintf(why, why_size, "command line too long");
        return 0;
    }
    if (!bench_ref_run("bench_ref_pil.py", "", args, pil_line, pf, why, why_size)) return 0;
    if (pf->got != 31) {
        snprintf(why, why_size, "bench_ref_pil.py: unexpected output");
        return 0;
    }
    return 1;
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
        double t0 = g99_now_seconds(), t;
        long calls = 0;
        size_t out_len;
        do {
            if (image_op(op, data, len, src, &out_len, err)) return -1.0;
            calls++;
            t = g99_now_seconds() - t0;
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
    char why[256];
    int have_pil;
    g99_error err;
    img.data = NULL;
    if (g99_read_file(BENCH_JPEG, (size_t)1 << 26, &jpg, &jpg_len, &err) ||
        g99_read_file(BENCH_JPEG_PROG, (size_t)1 << 26, &prog, &prog_len, &err)) {
        printf("image: skipped (%s; run from the repository root)\n", err.msg);
        goto done;
    }
    if (g99_mkdir("build", &err) || g99_mkdir(BENCH_PNG_DIR, &err) ||
        img_jpeg_decode(jpg, jpg_len, NULL, &img, &err) || img_png_encode(&img, &png, &png_len, &err) ||
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
    have_pil = pil_run(min_s, &pf, why, sizeof why);
    printf("image: %dx%d RGB photo (%s), MB/s of pixel bytes, best of 3%s\n", img.width, img.height,
           BENCH_JPEG, have_pil ? "; PIL (bench_ref_pil.py), ratio = gan99 speed / PIL speed" : "");
    if (!have_pil) printf("  PIL reference skipped: %s\n", why);
    printf("  %-26s %10s", "operation", "gan99");
    if (have_pil) printf(" %10s %8s", "PIL", "ratio");
    printf("\n");
    image_row("JPEG decode baseline 4:2:0", mb, t_jpeg, pf.jpeg, have_pil);
    image_row("JPEG decode progressive", mb, t_prog, pf.jpeg_prog, have_pil);
    printf("  %-26s %10.1f", "JPEG decode MP/s (baseline)", (double)img.width * img.height / t_jpeg * 1e-6);
    if (have_pil) printf(" %10.1f %7.2fx", (double)img.width * img.height / pf.jpeg * 1e-6, pf.jpeg / t_jpeg);
    printf("\n");
    image_row("PNG decode", mb, t_pdec, pf.png_dec, have_pil);
    image_row("PNG encode", mb, t_penc, pf.png_enc, have_pil);
    printf("  %-26s %10lu", "PNG size (bytes)", (unsigned long)png_len);
    if (have_pil) printf(" %10ld %7.3fx", pf.png_size, (double)png_len / (double)pf.png_size);
    printf("\n");
    if (have_pil) printf("  (PIL %s: libjpeg-turbo, zlib level 6; size ratio = gan99 / PIL)\n", pf.version);
done:
    img_free(&img);
    free(jpg);
    free(prog);
    free(png);
}

/* OpenCV's lines "detect THREADS MS FACES" (bench_ref_cv2.py). */
typedef struct cv_figures {
    double ms[2];
    int faces[2], got;   /* got: bit t-1 for t threads */
    char version[32];
} cv_figures;

static int cv_line(const char *line, void *ctx)
{
    cv_figures *cv = (cv_figures *)ctx;
    int t, k;
    double ms;
    if (sscanf(line, "detect %d %lf %d", &t, &ms, &k) == 3 && (t == 1 || t == 2)) {
        cv->ms[t - 1] = ms;
        cv->faces[t - 1] = k;
        cv->got |= 1 << (t - 1);
        return 1;
    }
    return sscanf(line, "version %31s", cv->version) == 1;
}

/* Haar face detection (align/): ms per detectMultiScale call with
 * frontalface_default (1.1, 3) on the shipped photo, best of reps, next to
 * OpenCV's time for the same call on the same photo (bench_ref_cv2.py) with
 * one thread and with two. The grey images come from two JPEG decoders and
 * may differ in a few pixels; the detection counts are printed as a
 * check. */
static void bench_detect(int reps)
{
    static const char photo[] = "data/astronaut.jpg";
    char cascade[1200], args[1500], why[256];
    haar_cascade *c = NULL;
    img_image img, grey;
    haar_params p;
    haar_box *boxes = NULL;
    double best = 1e30, mp;
    int n = 0, rep;
    cv_figures cv;
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
        double t0 = g99_now_seconds(), t;
        free(boxes);
        boxes = NULL;
        if (haar_detect_multiscale(c, &grey, &p, &boxes, &n, &err)) break;
        t = g99_now_seconds() - t0;
        if (t < best) best = t;
    }
    free(boxes);
    mp = (double)grey.width * grey.height * 1e-6;
    memset(&cv, 0, sizeof cv);
    args[0] = '\0';
    if (!bench_shell_quote(args, sizeof args, photo) || !bench_shell_quote(args, sizeof args, cascade)) {
        snprintf(why, sizeof why, "cascade path too long");
    } else {
        sprintf(args + strlen(args), " %d 1,2", reps);
        if (bench_ref_run("bench_ref_cv2.py", "", args, cv_line, &cv, why, sizeof why) && cv.got != 3)
            snprintf(why, sizeof why, "bench_ref_cv2.py: unexpected output");
    }
    printf("  %-22s %10s %10s %8s %11s\n", "", "ms", "ms/MP", "faces", "gan99/this");
    printf("  %-22s %10.2f %10.2f %8d\n", "gan99 (1 thread)", best * 1e3, best * 1e3 / mp, n);
    for (rep = 0; rep < 2; rep++)
        if (cv.got & (1 << rep)) {
            char label[32];
            sprintf(label, "OpenCV (%d thread%s)", rep + 1, rep ? "s" : "");
            printf("  %-22s %10.2f %10.2f %8d %10.2fx\n", label, cv.ms[rep], cv.ms[rep] / mp, cv.faces[rep],
                   best * 1e3 / cv.ms[rep]);
        }
    if (cv.got != 3) printf("  OpenCV reference skipped: %s\n", why);
    else printf("  (OpenCV %s, bench_ref_cv2.py)\n", cv.version);
    printf("  (%s, %dx%d)\n", photo, grey.width, grey.height);
    img_free(&grey);
    haar_cascade_free(c);
}

/* The sections, in the order they run; naming some on the command line runs
 * only those. sgemm and conv measure the peak first (once). */
enum { S_MATH, S_PRNG, S_CRC32, S_IMAGE, S_PEAK, S_SGEMM, S_CONV, S_DETECT, S_DCGAN, S_PIX2PIX, S_SPADE, S_PARSER,
       S_START, N_SECTIONS };
static const char *const sections[N_SECTIONS] = { "math", "prng", "crc32", "image", "peak", "sgemm", "conv",
                                                  "detect", "dcgan", "pix2pix", "spade", "parser", "start" };

static int bench_run(int argc, char **argv)
{
    long n = 4000000;
    int i, s, quick, want[N_SECTIONS], any = 0;
    bench_peak pk;
    memset(want, 0, sizeof want);
    if (argc > 2 && strcmp(argv[1], "--step") == 0 && strcmp(argv[2], "spade") == 0)
        return bench_spade_step_child(argc - 1, argv + 1);
    if (argc > 2 && strcmp(argv[1], "--step") == 0 && strcmp(argv[2], "dcgan") == 0)
        return bench_dcgan_step_child(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "--step") == 0) return bench_step_child(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "--parser-step") == 0) return bench_parser_step_child(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "--start") == 0) return bench_start_child(argc - 1, argv + 1);
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
    if (want[S_SGEMM] || want[S_CONV]) want[S_PEAK] = 1;
    quick = n < 4000000;
    printf("gan99 %s bench%s\n", GAN99_VERSION, quick ? " (quick)" : "");
    if (want[S_MATH]) bench_math(n);
    if (want[S_PRNG]) bench_prng(n);
    if (want[S_CRC32]) bench_crc32(n);
    if (want[S_IMAGE]) bench_image(quick);
    if (want[S_PEAK] || want[S_DCGAN]) bench_kernels_header();
    if (want[S_PEAK]) bench_peak_measure(&pk);
    if (want[S_SGEMM]) bench_sgemm(quick ? 256 : 1024, &pk);
    if (want[S_CONV]) bench_conv(quick ? 4 : 64, quick ? 1 : 3, &pk);
    if (want[S_DETECT]) bench_detect(quick ? 3 : 10);
    if (want[S_DCGAN]) bench_dcgan_step(quick ? 8 : 64, 1, 3, quick ? 3 : 2);
    if (want[S_PIX2PIX]) bench_pix2pix_steps(quick);
    if (want[S_SPADE]) bench_spade_steps(quick);
    if (want[S_PARSER]) bench_parser_steps(quick);
    if (want[S_START]) bench_start(quick ? 1 : 2);
    return CLI_OK;
}

const cli_command cli_cmd_bench = {
    "bench",
    "measure gan99's kernels on this machine",
    "usage: gan99 bench [--quick] [SECTION...]\n"
    "\n"
    "Prints speed figures, each next to the reference's where one is at hand:\n"
    "  math    math functions against the host libm's (best of 3)\n"
    "  prng    Philox u32 and normal floats\n"
    "  crc32   CRC-32 of 1 MiB blocks\n"
    "  image   JPEG (baseline, progressive) and PNG decode and PNG encode of a\n"
    "          1 MP photo from golden/bench, next to PIL's (best of 3)\n"
    "  peak    this CPU's fp32 FMA peak, measured on 1 thread and on all\n"
    "  sgemm   SGEMM 1024^3 on every kernel set this CPU runs, GFLOP/s and % of\n"
    "          the measured peak (best of 20)\n"
    "  conv    conv2d and conv_transpose2d at the DCGAN 64x64 layer shapes,\n"
    "          batch 64, on every SIMD kernel set, % of the measured peak, next\n"
    "          to PyTorch's times for the same layers\n"
    "  detect  Haar face detection next to OpenCV's (1 and 2 threads)\n"
    "  dcgan   one DCGAN 64x64 training step at batch 64 (median of 3 after 1\n"
    "          warm-up; PyTorch's of 2), images/s and peak memory, next to the\n"
    "          same step in PyTorch\n"
    "  pix2pix one training step of pix2pix unet_128 + PatchGAN (n_layers 3) at\n"
    "          batch 1 and 16 and of the autoencoder (128x128, batch 16), at 1\n"
    "          and 2 threads, each row in its own process, next to PyTorch's:\n"
    "          s/step, ratio, peak memory of both\n"
    "  spade   one SPADE training iteration (G step + D step) at 64x64, batch 8,\n"
    "          train spade's defaults (7 classes, ngf 16, ndf 16, nhidden 128,\n"
    "          z_dim 0, 2-scale D of 4 layers, hinge + feature matching, TTUR),\n"
    "  parser  one face-parser training step (U-Net segmenter, 64x64, batch 8)\n"
    "          at 1 and 2 threads, each row in its own process, next to PyTorch's\n"
    "  start   `gan99 train dcgan` on Fashion-MNIST (dataset-fashion-mnist) at\n"
    "          64x64 up to its first step: seconds and peak memory, 3 and 1\n"
    "          channels, each run in its own process\n"
    "Naming SECTIONs runs only those (sgemm and conv measure the peak too).\n"
    "--quick runs shorter loops, SGEMM 256^3, conv batch 4, DCGAN batch 8 and\n"
    "pix2pix batch 4 for its batch-16 rows, spade batch 2.\n"
    "\n"
    "The references are golden/tools/bench_ref_{pil,cv2,torch_conv,torch_dcgan,\n"
    "torch_pix2pix,torch_spade,torch_parser}.py, run with /usr/bin/python3 (each\n"
    "also runs alone; its header says how), found\n"
    "under the current folder or the gan99 binary's: run from the repository\n"
    "root. Without Python, the script or its module, gan99's figures print alone\n"
    "with a line saying why the reference was skipped. PyTorch runs tuned (its\n"
    "thread count set to gan99's, oneDNN on, no autograd where none is needed)\n"
    "and with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its\n"
    "environment. Threads: OMP_NUM_THREADS (builds with OpenMP, the default\n"
    "where the compiler has it); GAN99_SIMD picks the kernel set.\n",
    bench_run,
};
