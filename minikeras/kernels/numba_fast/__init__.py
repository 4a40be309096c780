"""Fast kernels: numba twins of `numpy_ref`, same names and signatures, `cache=True`.

Every kernel here is cached with one stamp for the whole `minikeras.kernels` package
(`cache.py`), installed before any kernel module is imported.
"""

from . import cache

cache.install()
