/* The PyTorch-golden harness of the nn op tests (tests/test_nn_ops.c, shared
 * with tests/test_nn_ops3.c): golden files written by golden/tools/nn_*.py
 * hold, per op and configuration K, the tensors
 *   OP.K.cfg, OP.K.in0 .., OP.K.gout, OP.K.out, OP.K.grad.inI
 * (and OP.K.rm / .rv, .rm_after / .rv_after for state buffers: batch norm's
 * running statistics, spectral norm's u and v). run_op_in checks the
 * forward, every golden gradient and a finite-difference gradient. */
#ifndef GAN99_TESTS_NN_GOLDEN_H
#define GAN99_TESTS_NN_GOLDEN_H

#include "../nn/nn.h"

typedef struct golden_tensor {
    const char *name;
    int ndim, shape[4];
    size_t numel;
    float *data;
} golden_tensor;

typedef struct golden_file {
    nn_st_file *f;
    golden_tensor *t;
    size_t n;
} golden_file;

int golden_load(const char *path, golden_file *g);
void golden_free(golden_file *g);
/* The tensor named by the printf-style format, or NULL. */
const golden_tensor *gfind(const golden_file *g, const char *fmt, ...) G99_PRINTF(2, 3);
nn_tensor *to_tensor(nn_ctx *ctx, const golden_tensor *t);
/* Every |actual - expected| <= abs_tol + rel_tol |expected|; one report at most. */
int near_all(const float *expected, const float *actual, size_t n, double abs_tol, double rel_tol, const char *what);
/* max(1, max |v|): the scale of a gradient's absolute tolerance. */
double max_abs(const float *v, size_t n);
/* The float data of golden tensor `name` of a safetensors file (malloc'd),
 * or NULL after a failed check (missing, or not numel values). */
float *golden_floats(const nn_st_file *f, const char *name, size_t numel);
/* Largest |a - e| / (abs_tol + rel_tol |e|) over the elements (NaN sticks):
 * <= 1 passes. abs_scaled: abs_tol times max |e| (1 when e is all 0). */
double golden_worst(const float *e, const float *a, size_t n, double abs_tol, double rel_tol, int abs_scaled);
/* Checks a against golden tensor `name` at scale times the project's
 * tolerance (abs 1e-5, rel 1e-4; for gradients the absolute part scaled by
 * max |e|), raises *seen_worst to the ratio found and reports a failure
 * with it. */
int golden_check(const nn_st_file *f, const char *name, const float *a, size_t n, int grads, double scale,
                 double *seen_worst);
/* The largest |v| of a golden tensor, or -1 when it is absent. */
double golden_max(const nn_st_file *f, const char *name);
/* Every tensor of p from "<prefix><key>" (counters from I64): the golden's
 * weights put into a gan99 table; 0 after a failed check. */
int golden_load_params(const nn_st_file *f, nn_params *p, const char *prefix);

enum { MAX_IN = 8 };

typedef struct op_case op_case;
/* Runs the op under test on the case's inputs (called again with perturbed
 * inputs by the finite-difference check, so it must not change them). */
typedef nn_tensor *(*op_call)(nn_ctx *ctx, op_case *c);

struct op_case {
    const golden_file *g;
    op_call call;
    const char *op;
    int k;
    const float *cfg;
    int n_in;
    nn_tensor *in[MAX_IN];
    const golden_tensor *rm, *rv;   /* state buffers before the op */
    nn_tensor *rm_t, *rv_t;         /* fresh copies of them, made by call */
};

/* Runs every case "op.K" of the golden file: forward, gradients, finite
 * differences (unless fd is 0), state buffers. Returns the number of cases
 * found. */
int run_op_in(const golden_file *g, const char *op, int fd, op_call call);

#endif
