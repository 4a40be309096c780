"""Fast kernels: numba twins of `numpy_ref`, same names and signatures, `cache=True`."""
