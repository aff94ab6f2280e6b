"""Test-session settings shared by every test file.

One BLAS/OpenMP thread per process (unless the environment sets another count): the suite
runs one pytest-xdist worker per core, and the Dask and CLI processes some tests start
inherit the setting. With OpenBLAS's default of one thread per core, every process's BLAS
threads spin for the same cores and the parallel suite ran about twice as long. Set here,
at import, before any test module loads numpy; xdist starts its workers after this.
"""

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")


def pytest_collection_finish(session):
    """Freeze what the imports and the collection made (numpy, scipy, hypothesis, certify, the
    test modules): the garbage collector's full passes then walk only what came later."""
    import gc

    gc.collect()
    gc.freeze()
