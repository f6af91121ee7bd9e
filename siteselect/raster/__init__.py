"""Stage 3 on grids: one suitability-surface engine (in memory or on Dask) and its numba kernels."""
