// Which OpenBLAS kernels run, chosen by what the CPU can do (see BLASKernels.c).
#ifndef FLOWGAN_BLAS_KERNELS_H
#define FLOWGAN_BLAS_KERNELS_H

// The core whose kernels OpenBLAS runs ("SkylakeX", "Haswell", "Prescott", ...).
const char *flowgan_blas_core(void);

// How that core came to be chosen: 0 OpenBLAS's own choice, 1 a value of
// OPENBLAS_CORETYPE set by the user or the machine, 2 chosen by this engine because
// OpenBLAS chose a generic core, 3 chosen by this engine, failed the self-check, and
// OpenBLAS's own choice kept instead.
int flowgan_blas_core_origin(void);

// The core OpenBLAS reported before the engine chose (empty when it did not).
const char *flowgan_blas_detected_core(void);

// The core the CPU's features call for: "SkylakeX" (AVX-512 F/CD/BW/DQ/VL with the
// operating system saving their registers), "Haswell" (AVX2 and FMA), or NULL.
const char *flowgan_blas_core_for_cpu(void);

// 1 when `core` is one of OpenBLAS's cores without AVX2 kernels.
int flowgan_blas_core_is_generic(const char *core);

// 1 when c (m x n, row-major) equals op(a) op(b) computed in double precision within
// the rounding bound of a length-k float sum, 0 otherwise.
int flowgan_blas_product_agrees(int m, int n, int k, int transpose_a, int transpose_b,
                                const float *a, const float *b, const float *c);

// Runs cblas_sgemm on a few awkward shapes (odd sizes, transposes, k = 1, long k) and
// checks each product with flowgan_blas_product_agrees: 1 when all agree.
int flowgan_blas_self_check(void);

// Makes glibc keep freed memory for reuse instead of returning it to the system: blocks
// up to 32 MB (its largest setting) come from the heap rather than mmap, and the heap is
// never trimmed. Training frees and reallocates the same large tensors every step; handed
// back to the system, each is page-faulted in and zeroed by the kernel again. (glibc only;
// elsewhere it does nothing.)
void flowgan_keep_freed_memory(void);

#endif
