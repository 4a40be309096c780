"""Fast kernels: numba twins of `numpy_ref`, same names and signatures, `cache=True`.

Every kernel here is cached with one stamp for the whole `minikeras.kernels` package
(`cache.py`), installed before any kernel module is imported. Copies and in-place sums of
arrays inside a kernel go through `arrays.py`'s loops, not `out[...] = src` or
`out[i] += src` (each of those compiles an error message, seconds with an empty cache).
"""

from . import cache

cache.install()
