/* fma chains down the rows of a matrix (kernels.h nn_k_fma_rows): the
 * scalar reference and the choice of twin. The spectral norm's power step
 * multiplies W^T u and W v with one fmaf chain per output element; written
 * as rows added in order into a vector of chains, each chain is a lane;
 * W v as chains along the rows, a lane per row (its elements gathered). */
#include "arch.h"

#include <math.h>

void nn_k_fma_rows(size_t m, size_t n, const float *a, size_t lda, const float *s, float *y)
{
    size_t r, j;
    switch (nn_k_path()) {
#ifdef GAN99_HAVE_AVX512
    case NN_K_AVX512: nn_k_fma_rows_avx512(m, n, a, lda, s, y); return;
#endif
#ifdef GAN99_HAVE_AVX2
    case NN_K_AVX2: nn_k_fma_rows_avx2(m, n, a, lda, s, y); return;
#endif
    default: break;
    }
    for (j = 0; j < n; j++) y[j] = 0.0f;
    for (r = 0; r < m; r++)
        for (j = 0; j < n; j++) y[j] = fmaf(a[r * lda + j], s[r], y[j]);
}

void nn_k_fma_dots(size_t m, size_t n, const float *a, size_t lda, const float *v, float *y)
{
    size_t i, j;
    switch (nn_k_path()) {
#ifdef GAN99_HAVE_AVX512
    case NN_K_AVX512: nn_k_fma_dots_avx512(m, n, a, lda, v, y); return;
#endif
#ifdef GAN99_HAVE_AVX2
    case NN_K_AVX2: nn_k_fma_dots_avx2(m, n, a, lda, v, y); return;
#endif
    default: break;
    }
    for (i = 0; i < m; i++) {
        float acc = 0.0f;
        for (j = 0; j < n; j++) acc = fmaf(a[i * lda + j], v[j], acc);
        y[i] = acc;
    }
}
