// Choosing OpenBLAS's kernels by what the CPU can do.
//
// Debian's OpenBLAS (0.3.21, DYNAMIC_ARCH) picks its kernels from the CPU's model number
// when the library loads. A CPU newer than the library, such as the Xeon of family 6
// model 207 this course was tried on, is unknown to it, and it falls back to its generic
// "Prescott" kernels: SSE3, a quarter to a fifth of the speed of its AVX-512 ones on the
// same machine. The library honours OPENBLAS_CORETYPE, but reads it once, in its own
// constructor, before any code of ours runs; there is no call to change kernels later.
// No library does this choice for us, so it is written here, in C because it has to run
// before `main`:
//
// a constructor of the executable (it runs after OpenBLAS's, so OpenBLAS can be asked
// what it chose) looks at the core OpenBLAS picked. When that is a generic core, the
// user and the machine have not set OPENBLAS_CORETYPE, and the CPU's own feature bits
// (cpuid, plus the operating system's XCR0 for the wider registers) support AVX-512 or
// AVX2 with FMA, it sets OPENBLAS_CORETYPE to the matching core and executes the same
// program again, with the same arguments, so that OpenBLAS loads with it. That is one
// exec of /proc/self/exe before anything else has happened, which reads simpler than the
// alternative, loading OpenBLAS (and LAPACKE, which pulls it in) by hand with dlopen and
// calling every routine through looked-up pointers. The re-executed program checks the
// chosen kernels against a plain double-precision product on awkward shapes; if they
// disagree it executes once more without the variable, keeping OpenBLAS's own choice.
// A value of OPENBLAS_CORETYPE that the engine did not set is never touched.
#define _GNU_SOURCE
#include "BLASKernels.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

char *openblas_get_corename(void);

// Set by the engine, for the re-executed program: the core it chose (or "rejected:"
// and that core, when the self-check failed), and the core OpenBLAS had reported.
static const char *const kChosenVariable = "FLOWGAN_BLAS_CORE_CHOSEN";
static const char *const kDetectedVariable = "FLOWGAN_BLAS_CORE_DETECTED";
static const char *const kRejectedPrefix = "rejected:";

static int origin = 0;
static char detected[32] = "";

const char *flowgan_blas_core(void) { return openblas_get_corename(); }
int flowgan_blas_core_origin(void) { return origin; }
const char *flowgan_blas_detected_core(void) { return detected; }

int flowgan_blas_core_is_generic(const char *core) {
    // OpenBLAS 0.3.21's x86-64 cores with AVX2 (or wider) GEMM kernels; every other name
    // ("Prescott", "Core2", "Nehalem", "Sandybridge", "Barcelona", "Unknown", ...) runs
    // SSE or AVX code.
    static const char *const fast[] = {"Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids"};
    if (core == NULL) return 1;
    for (size_t i = 0; i < sizeof fast / sizeof fast[0]; i++)
        if (strcasecmp(core, fast[i]) == 0) return 0;
    return 1;
}

const char *flowgan_blas_core_for_cpu(void) {
#if defined(__x86_64__)
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return NULL;
    const int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!osxsave || !avx) return NULL;
    unsigned xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    const int ymm_saved = (xcr0_low & 0x6) == 0x6;      // SSE and AVX state
    const int zmm_saved = (xcr0_low & 0xE0) == 0xE0;    // opmask, upper ZMM, ZMM16-31
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return NULL;
    const int avx2 = (b >> 5) & 1;
    const unsigned avx512 = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31);  // F DQ CD BW VL
    if (ymm_saved && zmm_saved && avx2 && fma && (b & avx512) == avx512) return "SkylakeX";
    if (ymm_saved && avx2 && fma) return "Haswell";
#endif
    return NULL;
}

int flowgan_blas_product_agrees(int m, int n, int k, int transpose_a, int transpose_b,
                                const float *a, const float *b, const float *c) {
    // Each entry is a sum of k products; any order of summation in float lies within
    // γ_k Σ|a||b| of the exact sum, γ_k = k u / (1 - k u), u = 2^-24 (Higham, Accuracy
    // and Stability of Numerical Algorithms, §3.1). Twice that, plus the rounding of
    // the stored result, is allowed; a wrong kernel misses it by orders of magnitude.
    const double u = ldexp(1.0, -24);
    const double gamma = k * u / (1 - k * u);
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            double sum = 0, magnitude = 0;
            for (int p = 0; p < k; p++) {
                const double x = transpose_a ? a[p * m + i] : a[i * k + p];
                const double y = transpose_b ? b[j * k + p] : b[p * n + j];
                sum += x * y;
                magnitude += fabs(x * y);
            }
            const double got = c[i * n + j];
            if (!(fabs(got - sum) <= 2 * gamma * magnitude + u * fabs(sum) + 1e-30)) return 0;
        }
    }
    return 1;
}

int flowgan_blas_self_check(void) {
    // Odd sizes that leave remainders in every blocking, each transpose, k = 1, and a
    // long inner dimension; small enough to take well under a millisecond.
    static const int shapes[][5] = {
        {37, 53, 29, 0, 0}, {1, 67, 129, 0, 1}, {131, 7, 1000, 1, 0},
        {17, 33, 1, 1, 1}, {64, 48, 96, 0, 0}, {5, 301, 17, 0, 1},
    };
    int ok = 1;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0] && ok; s++) {
        const int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        const int ta = shapes[s][3], tb = shapes[s][4];
        float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n);
        float *c = malloc(sizeof(float) * m * n);
        if (!a || !b || !c) { free(a); free(b); free(c); return 1; }  // cannot check: trust
        unsigned state = 2463534242u + (unsigned)s;
        for (int i = 0; i < m * k; i++) { state ^= state << 13; state ^= state >> 17; state ^= state << 5; a[i] = (float)(state % 2001) / 1000.0f - 1.0f; }
        for (int i = 0; i < k * n; i++) { state ^= state << 13; state ^= state >> 17; state ^= state << 5; b[i] = (float)(state % 2001) / 1000.0f - 1.0f; }
        for (int i = 0; i < m * n; i++) c[i] = NAN;    // beta = 0 must not read these
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                    m, n, k, 1.0f, a, ta ? m : k, b, tb ? k : n, 0.0f, c, n);
        ok = flowgan_blas_product_agrees(m, n, k, ta, tb, a, b, c);
        free(a); free(b); free(c);
    }
    return ok;
}

static void run_again(char **argv) {
    execv("/proc/self/exe", argv);
    // The exec failed (no /proc, the binary replaced since it started): stay as we are.
}

__attribute__((constructor))
static void flowgan_choose_blas_core(int argc, char **argv, char **envp) {
    (void)argc; (void)envp;
    const char *chosen = getenv(kChosenVariable);
    const char *set = getenv("OPENBLAS_CORETYPE");
    const char *before = getenv(kDetectedVariable);
    if (before != NULL) snprintf(detected, sizeof detected, "%s", before);
    if (chosen != NULL && strncmp(chosen, kRejectedPrefix, strlen(kRejectedPrefix)) == 0) {
        origin = 3;
        return;
    }
    if (set != NULL && set[0] != '\0') {
        if (chosen == NULL || strcasecmp(chosen, set) != 0) {
            origin = 1;                      // the user's or the machine's value: keep it
            return;
        }
        origin = 2;
        if (flowgan_blas_self_check()) return;
        char rejected[64];
        snprintf(rejected, sizeof rejected, "%s%s", kRejectedPrefix, chosen);
        fprintf(stderr, "OpenBLAS's %s kernels failed the engine's self-check; keeping OpenBLAS's own choice (%s)\n",
                set, detected[0] ? detected : "unknown");
        setenv(kChosenVariable, rejected, 1);
        unsetenv("OPENBLAS_CORETYPE");
        if (argv != NULL) run_again(argv);
        return;                              // could not run again: these kernels stay
    }
    const char *core = openblas_get_corename();
    if (!flowgan_blas_core_is_generic(core)) return;
    const char *wanted = flowgan_blas_core_for_cpu();
    if (wanted == NULL || argv == NULL) return;
    setenv("OPENBLAS_CORETYPE", wanted, 1);
    setenv(kChosenVariable, wanted, 1);
    setenv(kDetectedVariable, core, 1);
    run_again(argv);
    unsetenv("OPENBLAS_CORETYPE");           // the exec failed: leave no trace
    unsetenv(kChosenVariable);
    unsetenv(kDetectedVariable);
}
