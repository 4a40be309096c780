"""kernels/memory.py: glibc keeps freed buffers for the next step (MINIKERAS_MALLOC chooses), and
the collector skips the objects alive after the import (MINIKERAS_GC chooses).

Each case runs in a fresh process (the setting is process-wide and made once at import)."""

import os
import subprocess
import sys
import textwrap

import pytest

from minikeras.kernels import memory

GLIBC = sys.platform.startswith("linux") and (
    os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")

# RSS (MiB) before and after a 16 MiB buffer is written and freed: with glibc's defaults that
# block is mapped on its own and unmapped on free (RSS drops back); kept, it stays for reuse
PROBE = textwrap.dedent("""
    import os
    import numpy as np
    import minikeras
    from minikeras.kernels import memory

    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20

    before = rss()
    buffer = np.ones(4 << 20, np.float32)  # 16 MiB, every page touched
    del buffer
    print(memory.keep_freed_memory(), rss() - before)
""")


def _run(value, variable="MINIKERAS_MALLOC", probe=PROBE):
    """The probe in a fresh process with `variable` set to value (unset for None)."""
    env = dict(os.environ)
    env.pop(variable, None)
    if value is not None:
        env[variable] = value
    return subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.skipif(not GLIBC, reason="glibc's malloc only")
def test_freed_buffers_are_kept_by_default_and_given_back_with_system():
    kept = _run(None)
    assert kept.returncode == 0, kept.stderr
    applied, grown = kept.stdout.split()
    assert applied == "True" and float(grown) > 12, kept.stdout  # the 16 MiB stayed mapped
    system = _run("system")
    assert system.returncode == 0, system.stderr
    applied, grown = system.stdout.split()
    assert applied == "False" and float(grown) < 4, system.stdout  # unmapped on free


def test_unknown_value_is_a_clear_error_at_import():
    done = _run("sometimes")
    assert done.returncode != 0
    assert "MINIKERAS_MALLOC='sometimes'" in done.stderr and "'system'" in done.stderr


@pytest.mark.parametrize("variable, setting, default", [
    ("MINIKERAS_MALLOC", memory.setting, "keep"), ("MINIKERAS_GC", memory.gc_setting, "freeze")])
def test_settings_read_the_environment(variable, setting, default, monkeypatch):
    monkeypatch.setenv(variable, " System ")
    assert setting() == "system"
    monkeypatch.setenv(variable, "")
    assert setting() == default
    monkeypatch.setenv(variable, "never")
    with pytest.raises(ValueError, match=f"{variable}='never'"):
        setting()


# ---- MINIKERAS_GC: the collector skips the objects alive after the import ----------------------
GC_PROBE = textwrap.dedent("""
    import gc
    import minikeras
    from minikeras.kernels import memory

    class Node:
        pass

    frozen = gc.get_freeze_count()
    a, b = Node(), Node()  # a reference cycle made after the import: still collected
    a.other, b.other = b, a
    del a, b
    print(memory.freeze_imported_objects(), frozen, gc.collect() >= 2)
""")


def test_import_freezes_its_objects_by_default_and_system_leaves_the_collector_alone():
    done = _run(None, "MINIKERAS_GC", GC_PROBE)
    assert done.returncode == 0, done.stderr
    applied, frozen, collected = done.stdout.split()
    # numpy, scipy, numba and minikeras: tens of thousands of objects the collector now skips
    assert applied == "True" and int(frozen) > 20000 and collected == "True", done.stdout
    system = _run("system", "MINIKERAS_GC", GC_PROBE)
    assert system.returncode == 0, system.stderr
    applied, frozen, collected = system.stdout.split()
    assert applied == "False" and frozen == "0" and collected == "True", system.stdout


def test_unknown_gc_value_is_a_clear_error_at_import():
    done = _run("later", "MINIKERAS_GC", GC_PROBE)
    assert done.returncode != 0
    assert "MINIKERAS_GC='later'" in done.stderr and "'system'" in done.stderr
