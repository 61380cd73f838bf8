// OpenBLAS's CBLAS interface (Debian: libopenblas-dev, pthread variant).
#include <cblas.h>
// Thread control, so benchmarks can report the thread count they ran with.
int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);
