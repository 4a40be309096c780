"""How the compiled kernels cut a big GEMM for BLAS on a few cores.

OpenBLAS runs a GEMM of up to 4 * 65536 multiply-adds on the calling thread and wakes its
thread pool for bigger ones; the woken threads then spin, and on 2 shared cores they take the
core the compiled loop around the GEMM needs (measured at W6's 64 x 64 @ 64 x 256 between
compiled kernels: one GEMM 0.5-5.5 ms, four 16-row GEMMs 0.03-0.06 ms; W6's fit 10.7-11.5 s
without blocks, 1.85 s with them, on an idle machine). So the kernels that loop around BLAS
(the LSTM time loop, the recurrent layers' input projection) cut every GEMM into row blocks
under that size, and use the cores with their own threads instead: the rows are cut into
slabs of one block each (at most MAX_SLABS slabs), and numba's threads share the slabs out
(`prange`). Where SciPy's OpenBLAS can be kept on the calling thread (blas_on_calling_thread),
no pool wakes whatever the size, and the blocks take the rows kernels/plan.py names for BLAS's
own speed instead (recurrent_rows, PROJECTION_ROWS; the convolutions' CONV_SLAB_ROWS).

Sums over rows (dkernel, dbias, drecurrent_kernel) are taken slab by slab and then added in
slab order. The slabs depend on the rows and the block limit only, not on the thread count,
so a run gives the same bits on 1 thread or 16 (kernels/plan.py may then pick the thread
count per call, from how busy the machine is).
Cached callers of an edited file recompile by themselves: every kernel's cache is stamped by
the whole package (cache.py).
"""

import threading
from contextlib import contextmanager

import numba
import numpy as np
from numba import njit

from .. import plan as planner

SINGLE_THREAD_MACS = planner.SINGLE_THREAD_MACS  # the size is kernels/plan.py's
# numba's default threading layer (workqueue) aborts the process if two Python threads launch
# parallel kernels at once, so every launch of a `parallel=True` kernel takes this lock.
LAUNCH = threading.Lock()


@contextmanager
def using_threads(threads):
    """The parallel loops launched inside run on `threads` threads (at least 1, at most
    numba's). On 1 thread a loop runs on the calling thread alone: no wait for a pool thread
    that a busy machine has descheduled (measured: a tiny parallel loop's worst call of 2000
    took 13-28 us on 1 thread, 20-34 ms on 2, with other processes on both cores). Set from
    Python: numba's set_num_threads inside a kernel would keep it from the on-disk cache."""
    previous = numba.get_num_threads()
    numba.set_num_threads(max(1, min(threads, previous)))
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def blas_threads(threads):
    """Within the block, SciPy's OpenBLAS (the one numba's np.dot calls) runs each GEMM on at
    most `threads` threads; unchanged where its count cannot be set (kernels/plan.py's
    blas_pinnable() False)."""
    return planner.openblas_limited("scipy", threads)


def blas_on_calling_thread():
    """Within the block, SciPy's OpenBLAS runs every GEMM on the thread that calls it (no pool
    wakes up), so compiled kernels may give BLAS whole-slab GEMMs from their own threads
    instead of cutting them under SINGLE_THREAD_MACS. Measured at W7's conv2 (batch 128,
    (576 x 288) @ (288 x 64) per sample, forward, min of 7, load ~1.8): 4-sample slabs, one
    GEMM each, 15 ms (180 GFLOP/s) vs 14-row blocks 36 ms. Where the number of threads cannot
    be set (plan.blas_pinnable() False), nothing changes: callers then keep SINGLE_THREAD_MACS
    blocks. OpenBLAS's count is process-wide: another Python thread's GEMMs meanwhile run on
    one thread too (slower, the same numbers)."""
    return blas_threads(1)


@njit(cache=True)
def block_size(macs_per_row, limit):
    """Rows per GEMM block of at most `limit` multiply-adds (kernels/plan.py says which
    limit: one that keeps an unpinned BLAS call on its calling thread, or rows chosen for
    BLAS's speed where it is pinned)."""
    return max(1, limit // max(1, macs_per_row))


# Row or sample 0 as a run-time int64: a literal 0 passed to a compiled function is typed
# Literal[int](0), and numba compiles that function once more for it (conv.py's one-slab calls
# beside the threaded loop's, ~3 s with an empty cache at W7's first fit; gru_gemm.py's
# inference call beside its slab loop).
FIRST = np.int64(0)

MAX_SLABS = 64  # bounds the per-slab partial sums (MAX_SLABS copies of a kernel's gradient)

# `njit(parallel=PRANGE_ONLY)`: the kernel's prange loop runs over numba's threads, and nothing
# else in it is made parallel (with parallel=True numba would also turn its np.zeros and array
# expressions into threaded loops). The kernels that cut rows into slabs run their prange loop
# in the same function that allocates the buffers, not in a parallel function of its own
# between it and the per-slab function: numba optimizes every compiled function again with
# all it calls linked in, so each such level cost the per-slab code's optimization once more.
# Measured, first fit with an empty cache, before -> after, alternated: GRU(64) -> Dense
# 23.4, 23.3 -> 22.2, 22.2 s (a later pair: 23.6 -> 23.2, 23.4 s; so 0.2-1.2 s); Embedding ->
# LSTM(64) -> Dense 27.5, 26.3 -> 26.8, 26.2 s; W6's whole-epoch LSTM kernel 35.0, 36.7 ->
# 36.2, 36.6 s (no change); warm W6 fits the same. Kept for that, and for one function less
# per loop to read.
PRANGE_ONLY = {"prange": True, "comprehension": False, "reduction": False, "numpy": False,
               "inplace_binop": False, "setitem": False, "stencil": False, "fusion": False}


@njit(cache=True)
def slab_size(rows, macs_per_row, threads, limit):
    """Rows per slab: one block's (at least 1, for an empty batch too), or more where that
    would make more than MAX_SLABS slabs. `threads` does not enter (see the module docstring);
    the argument stays for the callers."""
    return max(block_size(macs_per_row, limit), (rows + MAX_SLABS - 1) // MAX_SLABS, 1)


@njit(cache=True)
def slab_count(rows, slab):
    """How many slabs of `slab` rows cover `rows` (at least one, possibly empty)."""
    return max(1, (rows + slab - 1) // slab)


@njit(cache=True, error_model="numpy")
def gemm_rows(a, b, out, r0, r1, block):
    """out[r0:r1] = a[r0:r1] @ b, one BLAS call per block of rows."""
    for s in range(r0, r1, block):
        e = min(r1, s + block)
        np.dot(a[s:e], b, out[s:e])


# ---- elementwise work in chunks over threads (kernels/plan.py: THREADED_ELEMENTS) -------------
@njit(inline="always")
def chunk_bounds(n, chunks, p):
    """Elements (or rows) r0:r1 of chunk p when n are cut into `chunks` nearly equal chunks."""
    step = (n + chunks - 1) // chunks
    return min(n, p * step), min(n, (p + 1) * step)

