"""The on-disk kernel cache is stamped by the whole kernels package, not by one file.

numba alone checks only the file of the function it loads: a cached caller kept the old
compiled code of a callee in another file after that file changed (this happened here after an
edit of the activation codes). `minikeras.kernels.numba_fast.cache` stamps every kernel with a
hash of all of `minikeras/kernels/`.
"""

import os
import subprocess
import sys
import textwrap

from minikeras.kernels.numba_fast import cache, dense

# A child process that points the stamp at a temporary package of two files (a caller and its
# callee in another file), calls the caller with the on-disk cache and prints the result.
CHILD = textwrap.dedent(
    """
    import sys
    from minikeras.kernels.numba_fast import cache
    cache.KERNELS_DIR = sys.argv[1]
    cache.package_stamp.cache_clear()
    sys.path.insert(0, sys.argv[1])
    from pkg import caller
    print(caller.twice(), caller.twice._cache._impl.locator.get_source_stamp()[0])
    """
)


def _run_child(root):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(root / "numba_cache")}
    command = [sys.executable, "-c", CHILD, str(root)]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    value, stamp = out.stdout.split()
    return int(value), stamp


def test_kernels_use_the_package_stamp():
    locator = dense.dense_forward._cache._impl.locator
    assert isinstance(locator, tuple(cache.STAMPED_LOCATORS))
    assert locator.get_source_stamp()[0] == cache.package_stamp()


def test_numba_cache_dir_gets_the_stamped_locator_too(tmp_path):
    """With NUMBA_CACHE_DIR set, the kernels cache there, stamped the same way."""
    code = ("from minikeras.kernels.numba_fast import cache, dense; "
            "loc = dense.dense_forward._cache._impl.locator; "
            f"print(type(loc).__name__, loc.get_cache_path().startswith({str(tmp_path)!r}))")
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["KernelsUserProvidedCacheLocator", "True"]


def test_paths_on_other_drives_are_not_kernels(monkeypatch):
    """Windows' commonpath raises for paths on two drives: that is "not ours", not an error
    (numba asks about every cached function of every package)."""
    import ntpath

    monkeypatch.setattr(cache.os, "path", ntpath)
    monkeypatch.setattr(cache, "KERNELS_DIR", "C:\\minikeras\\kernels")
    assert cache.in_kernels("D:\\project\\model.py") is False
    assert cache.in_kernels("C:\\minikeras\\kernels\\numba_fast\\dense.py") is True


def test_files_outside_the_package_keep_numbas_locators(tmp_path):
    outside = tmp_path / "elsewhere.py"
    outside.write_text("def f():\n    return 1\n")
    for locator in cache.STAMPED_LOCATORS:
        assert locator.from_function(lambda: 1, str(outside)) is None
    assert cache.in_kernels(dense.__file__)
    assert not cache.in_kernels(str(outside))


def test_editing_a_callee_recompiles_its_cached_caller(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "callee.py").write_text(
        "from numba import njit\n\n@njit(cache=True)\ndef one():\n    return 1\n"
    )
    (pkg / "caller.py").write_text(
        "from numba import njit\nfrom .callee import one\n\n"
        "@njit(cache=True)\ndef twice():\n    return 2 * one()\n"
    )
    first, first_stamp = _run_child(tmp_path)
    assert first == 2
    # The callee changes; the caller's file does not.
    (pkg / "callee.py").write_text(
        "from numba import njit\n\n@njit(cache=True)\ndef one():\n    return 21\n"
    )
    second, second_stamp = _run_child(tmp_path)
    assert second_stamp != first_stamp
    assert second == 42
