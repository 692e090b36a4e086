/* The parts of `gan99 bench` (cli/cmd_bench.c runs the sections): shared
 * helpers, and the sections that live in their own files. Internal to cli/.
 * Results are printed, never asserted: speed is no test. */
#ifndef GAN99_CLI_BENCH_H
#define GAN99_CLI_BENCH_H

#include <stddef.h>

/* Keeps results alive so the compiler cannot drop the timed loops. */
extern volatile float bench_sink;

/* ---- the reference programs (cli/bench_ref.c) -----------------------------
 * golden/tools/bench_ref_*.py time the reference library (PIL, PyTorch,
 * OpenCV) on the same work; each prints "key value..." lines (documented in
 * the script). bench_ref_run runs
 *     ENV /usr/bin/python3 SCRIPT ARGS
 * through base/'s pipe, SCRIPT found under golden/tools/ of the current
 * folder or of the gan99 binary's folder, ARGS already quoted for the shell
 * (bench_shell_quote), ENV a prefix such as "env -u X Y=1" or "". Every
 * output line goes to parse, which returns 1 for a line it took. Returns 1
 * when the script ran to the end, else 0 with a one-line reason in why
 * (Python or the script missing, "skip" from the script when its module is
 * absent, or the script's last line of error output). */
typedef int (*bench_ref_parse_fn)(const char *line, void *ctx);
int bench_ref_run(const char *script, const char *env, const char *args, bench_ref_parse_fn parse, void *ctx,
                  char *why, size_t why_size);

/* The environment of the PyTorch runs (two %d: the thread count), for a
 * fair comparison: T threads for torch, OpenMP and OpenBLAS, passive
 * waiting, glibc told to keep freed memory (no page faults from re-mapping
 * big buffers), and OpenBLAS free to pick its own kernels and cache sizes
 * (the caller's environment may pin them for another program). */
#define BENCH_TORCH_ENV                                                                         \
    "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=%d OPENBLAS_NUM_THREADS=%d " \
    "OMP_WAIT_POLICY=PASSIVE MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=1073741824"

/* Appends s to out (which holds a string of size bytes) as one shell word in
 * single quotes, and a space before it unless out is empty. 0 when it does
 * not fit (out is then unchanged). */
int bench_shell_quote(char *out, size_t size, const char *s);

/* This process's peak resident set so far in MiB (Linux's /proc), or -1
 * where the system does not say. */
double bench_peak_rss_mib(void);

/* ---- training-step rows (cli/bench_steps.c) ----------------------------------
 * A child `gan99 bench --step ...` ends with bench_step_report: the median
 * of its n timed seconds (sorted in place) and its peak memory, as the
 * PyTorch scripts print them. bench_step_row runs `gan99 bench GAN99_ARGS`
 * and `SCRIPT THREADS SCRIPT_ARGS`, each in a process of its own with
 * `threads` threads, and prints one row under bench_step_header's columns:
 * both times, gan99's / PyTorch's, both peak memories (or why a side was
 * skipped); version gets PyTorch's version when it ran. */
void bench_step_report(double *times, int n);
void bench_step_header(void);
void bench_step_row(const char *label, int batch, int threads, const char *gan99_args, const char *script,
                    const char *script_args, char *version, size_t version_size);

/* ---- the machine's peak and the kernels (cli/bench_kernels.c) -------------- */
typedef struct bench_peak {
    int path;        /* the kernel set that measured it */
    int threads;     /* nn_k_threads() */
    double one, all; /* GFLOP/s on 1 thread and on all threads */
} bench_peak;

/* Measures and prints this CPU's fp32 FMA peak with the widest kernel set
 * it runs. */
void bench_peak_measure(bench_peak *pk);
void bench_kernels_header(void);
void bench_sgemm(size_t n, const bench_peak *pk);
void bench_conv(int batch, int reps, const bench_peak *pk);

/* ---- one DCGAN 64x64 training step (cli/bench_dcgan.c) ----------------------- */
void bench_dcgan_step(int batch, int warmup, int timed, int torch_timed);
/* `gan99 bench --step dcgan BATCH WARMUP TIMED`, the row's gan99 side. */
int bench_dcgan_step_child(int argc, char **argv);

/* ---- pix2pix and the autoencoder (cli/bench_pix2pix.c) ----------------------
 * Training steps at 1 and 2 threads next to PyTorch's; bench_step_child is
 * `gan99 bench --step MODEL BATCH WARMUP TIMED`, one row's own process. */
void bench_pix2pix_steps(int quick);
int bench_step_child(int argc, char **argv);

/* ---- SPADE (cli/bench_spade.c): its training iteration at 1 and 2 threads next
 * to PyTorch's; the child is `gan99 bench --step spade BATCH WARMUP TIMED`. */
void bench_spade_steps(int quick);
int bench_spade_step_child(int argc, char **argv);
/* ---- the face parser (cli/bench_parser.c) ------------------------------------
 * Its training step at 1 and 2 threads next to PyTorch's;
 * bench_parser_step_child is `gan99 bench --parser-step BATCH WARMUP TIMED`. */
void bench_parser_steps(int quick);
int bench_parser_step_child(int argc, char **argv);
/* ---- the start of training (cli/bench_start.c) -------------------------------
 * Seconds and peak memory of `gan99 train dcgan` on Fashion-MNIST up to its
 * first step, in a process of its own (bench_start_child is `gan99 bench
 * --start DATA CHANNELS`). */
void bench_start(int reps);
int bench_start_child(int argc, char **argv);

#endif
