// LAPACK through its C interface (Debian: liblapacke-dev); the routines run in OpenBLAS.
#include <lapacke.h>
