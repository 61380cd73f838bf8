// Keeping freed memory in the process (see include/BLASKernels.h). In C because glibc's
// mallopt and its M_* constants come from <malloc.h>, which Swift's Glibc module does
// not import.
#include "BLASKernels.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

void flowgan_keep_freed_memory(void) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
#endif
}
