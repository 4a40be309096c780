"""One freshness stamp for every cached kernel: the sources of the whole `minikeras.kernels`.

numba's on-disk cache (`njit(cache=True)`) checks only the file of the function it loads. A
kernel that calls a kernel of another file (the epoch kernels call the cells, the losses and
the optimizer updates) or reads another module's constant (`plan`, `codes`: numba freezes
globals when it compiles) would keep the old compiled callee after that other file changed:
after a `git pull` or an edit, old numbers and no error. So the kernels of this package are
cached with a stamp that hashes every `.py` file under `minikeras/kernels/`: a change to any
of them recompiles every kernel once, as a fresh install does.

The stamp goes in through numba's cache locators (where to cache, how to stamp): for a file
of this package, the same places numba would use (`NUMBA_CACHE_DIR`, the source's
`__pycache__`, the user-wide cache), with this stamp added to the one file's. Files
elsewhere keep numba's own locators. `install()` runs once, from this package's
`__init__`, before any kernel is decorated. (numba's NUMBA_CACHE_LOCATOR_CLASSES, where a
user sets it, replaces the whole list, these included.)
"""

import functools
import hashlib
import os

from numba.core import caching

KERNELS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@functools.cache
def package_stamp():
    """sha256 of every `.py` file under `minikeras/kernels/`, paths and contents, once a process."""
    paths = []
    for folder, subfolders, names in os.walk(KERNELS_DIR):
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]
        paths += [os.path.join(folder, name) for name in names if name.endswith(".py")]
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(os.path.relpath(path, KERNELS_DIR).encode())
        with open(path, "rb") as source:
            digest.update(hashlib.sha256(source.read()).digest())
    return digest.hexdigest()


def in_kernels(py_file):
    """Whether `py_file` is a source of this package."""
    try:
        return os.path.commonpath([os.path.abspath(py_file), KERNELS_DIR]) == KERNELS_DIR
    except ValueError:  # Windows: paths on different drives
        return False


class _PackageStamp:
    """Mixin for numba's locators: this package's files only, stamped by `package_stamp` and
    numba's own stamp of the function's file (which still changes where there are no sources
    to hash, e.g. an install of compiled files only)."""

    @classmethod
    def from_function(cls, py_func, py_file):
        if not in_kernels(py_file):
            return None
        return super().from_function(py_func, py_file)

    def get_source_stamp(self):
        return package_stamp(), super().get_source_stamp()


def _numba_name(*names):
    """The first of `names` that numba.core.caching has (numba up to 0.60 at least spelled
    the locators with a leading `_`)."""
    for name in names:
        if hasattr(caching, name):
            return getattr(caching, name)
    return None


def _stamped_locators():
    locators = []
    for name in ("UserProvidedCacheLocator", "InTreeCacheLocator", "UserWideCacheLocator"):
        base = _numba_name(name, "_" + name)
        if base is not None:
            locators.append(type("Kernels" + name, (_PackageStamp, base), {"__module__": __name__}))
    return locators


STAMPED_LOCATORS = _stamped_locators()


def install():
    """Put the stamped locators first in numba's list (once; the list is numba's, shared)."""
    impl = _numba_name("CacheImpl", "_CacheImpl")
    if impl is None:
        return
    present = [cls for cls in impl._locator_classes if issubclass(cls, _PackageStamp)]
    if not present:
        impl._locator_classes = STAMPED_LOCATORS + list(impl._locator_classes)
