"""Which compiled time loop runs a recurrent layer, on how many threads, in which GEMM blocks:
decided here and nowhere else.

`choose(cell, batch, units, ...)` returns a `Plan`; the numba twins (numba_fast/rnn.py,
gru.py) run the loop it names, the whole-epoch kernel (numba_fast/rnn_epoch.py) takes one as
an argument, and the whole-epoch path asks `epoch_plan` which loop every batch of an epoch
would take. The math never depends on the plan, only the speed (and, where rows are summed
slab by slab, the last bits: blocks.py). The loops, each calling numba_fast/cells.py:

    "fused"  numba_fast/rnn_fused.py (LSTM, SimpleRNN), gru.py (GRU): one compiled loop over
             the whole sequence, the recurrent matmul by hand; no BLAS or Python per step.
    "gemm"   numba_fast/rnn_gemm.py (LSTM, SimpleRNN), gru_gemm.py (GRU): one compiled loop,
             BLAS GEMMs per step in row blocks, the batch over numba's threads.

Tests and benchmarks force a loop, a block size or a thread count with `forced(...)`.
"""

import ctypes
import functools
import glob
import importlib
import os
import time
from contextlib import contextmanager
from typing import NamedTuple

import numba

LOOPS = ("fused", "gemm")
GATES = {"simple_rnn": 1, "gru": 3, "lstm": 4}


class Plan(NamedTuple):
    """loop: one of LOOPS; threads: the threads the loop may use (1 but for "gemm";
    free_threads());
    block_limit: the most multiply-adds one BLAS call may take (SINGLE_THREAD_MACS, so that
    BLAS stays on the calling thread; or, where BLAS is pinned to it, recurrent_rows(batch,
    macs_per_row) rows' worth: gemm_split);
    last_block_limit: epoch_plan's only: the block limit of an epoch's smaller last batch
    (0 where it is block_limit)."""
    loop: str
    threads: int
    block_limit: int
    last_block_limit: int = 0


# ---- the thresholds, and the measurements behind them -----------------------------------------
# work = batch * units * (gates * units): the multiply-adds of one step's recurrent matmul.
# Measured on this project's 2-core AMD EPYC (shared: load 5-7 from other processes; the
# minimum of >= 20 runs), float32, forward + backward of 10 steps, in us, tanh/sigmoid:
#
# FUSED_MAX_WORK: below it the loop with the matmul by hand wins (no BLAS or launch cost per
# call), past it the GEMM loop. fused / gemm:
#   LSTM       batch 8, units 8 (work 2048):      45 /  54     batch 4, units 16 (4096):  50 /  52
#              batch 16, units 8 (4096):          79 /  74     batch 8, units 16 (8192):  90 /  63
#              batch 4, units 32 (16384):        123 /  80     batch 1, units 64, 30 steps:
#                                                              294 / 132
#   SimpleRNN  batch 4, units 32 (4096):          35 /  45     batch 8, units 32 (8192):  60 /  51
#   GRU        batch 4, units 16 (3072):          40 /  59     batch 16, units 8 (3072):  60 /  81
#              batch 8, units 16 (6144):          72 /  67     batch 4, units 32 (12288): 109 /  67
#              batch 8, units 32 (24576):        211 /  83     batch 1, units 64, 30 steps:
#                                                              291 / 109
#              (reset_after=False, recurrent dropout, or both: the same tie at 6144, 75-77 / 77-81)
FUSED_MAX_WORK = {"lstm": 4096, "simple_rnn": 8192, "gru": 6144}
# Past FUSED_MAX_WORK the GEMM loop runs every recurrent layer: it beat the NumPy reference
# and the former Python-per-step loop ("steps", removed) at every measured size (gemm / steps /
# numpy, us): LSTM batch 8, units 32, recurrent dropout: 112 / 314 / 823; relu: 99 / 153 / 850;
# W6 (batch 64, units 64, 30 steps) tanh: 2313 / 13031 / 13944; relu: 2596 / 13654 / 20520;
# recurrent dropout: 3921 / 22646 / 16712. SimpleRNN batch 8, units 64, recurrent dropout:
# 92 / 160 / 249; batch 16, units 64: 116 / 161 / 284; batch 64, units 64, 30 steps:
# 796 / 1276 / 1500. GRU (gemm / numpy; 2026-12-07): batch 8, units 32: 86 / 758;
# batch 32, units 32: 183 / 1070; W6's shapes: 2026 / 7044; W8's (batch 32, units 128, 80
# steps): 7086 / 28503.
#
# SINGLE_THREAD_MACS: OpenBLAS runs a GEMM of up to 4 * 65536 multiply-adds on the calling
# thread and wakes its pool past that (blocks.py: the pool's spinning threads cost W6's fit
# 10.7-11.5 s against 1.85 s with blocks under this size). MINIKERAS_BLOCK_MACS overrides it.
SINGLE_THREAD_MACS = int(os.environ.get("MINIKERAS_BLOCK_MACS", 4 * 65536))

# RECURRENT_ROWS, PROJECTION_ROWS: where SciPy's BLAS is kept on the calling thread
# (blas_pinnable()), a GEMM need not stay under SINGLE_THREAD_MACS, and the rows of one BLAS call
# are set for BLAS's own speed: a GEMM of few rows repacks the whole (k, n) operand each call.
# Measured on this project's 2-core AMD EPYC (idle; float32, ms, min of 5-15; 2 threads):
#   the LSTM time loop, forward / backward, rows per GEMM (= rows per slab):
#     W8's LSTM(128), batch 32, 80 steps:  4 (SINGLE_THREAD_MACS, unpinned) 9.0 / 14.3;
#                                          8: 4.7 / 7.9; 16: 3.4 / 5.9; 32 (one slab) 5.2 / 9.3
#     W6's LSTM(64), batch 64, 30 steps:   16 (SINGLE_THREAD_MACS, unpinned) 0.70 / 1.39;
#                                          16: 0.68 / 1.19; 32: 0.57 / 1.17; 64: 0.91 / 1.76
#   W8's input projection (2560 x 128 @ 128 x 512 and its backward), rows per GEMM:
#     4 (SINGLE_THREAD_MACS) 8.3 / 12.8; 16: 3.1 / 6.6; 40: 1.9 / 4.9; 64: 1.7 / 4.1;
#     256: 1.40 / 3.2; 1280: 1.41 / 3.1
# (one GEMM of all 2560 rows on NumPy's 2 BLAS threads: 1.40 forward).
RECURRENT_ROWS = 16
# recurrent_rows(batch, macs_per_row): more rows per GEMM where the batch has them, one slab per
# core (ceil(batch / CPUS), at least RECURRENT_ROWS; cut again under SMALL_GEMM_MACS where
# OpenBLAS has small-matrix kernels, below): each GEMM call repacks the whole recurrent
# kernel (OpenBLAS's sgemm_itcopy took 19% of W6's fit against sgemm_kernel's 23%, perf, AVX2
# kernels), so the fewest calls that still keep every core busy. Measured on this project's
# 2-core AMD EPYC (fit, AVX2 kernels, s, min of 3-5, rows per GEMM forced; batch / 2 best in
# every case): W6 (LSTM(64), batch 64, 5 epochs) 16: 0.82, 32: 0.65, 64: 1.11 (AVX-512
# kernels: 0.343, 0.333, 0.795); LSTM(64) batch 128, 2 epochs of 4096: 16: 0.39, 32: 0.31,
# 64: 0.26, 128: 0.50; batch 256: 16: 0.37, 32: 0.30, 64: 0.27, 128: 0.24, 256: 0.45;
# LSTM(128) batch 64: 16: 1.15, 32: 0.92, 64: 1.50; batch 128: 16: 1.15, 32: 0.95, 64: 0.79,
# 128: 1.43; W8 (LSTM(128), batch 32) 16 (above); W6 on one thread (NUMBA_NUM_THREADS=1, as on
# a 1-core machine, where the rule gives the whole batch): 16: 1.46, 32: 1.22, 64: 1.05.
# CPUS is the machine's core count, not the thread count: the slabs, so the bits, stay the
# same on any number of threads.
PROJECTION_ROWS = 256
# SMALL_GEMM_MACS: OpenBLAS's AVX-512 kernels ("SkylakeX", which it also picks for Cooperlake
# and Sapphire Rapids, and on this project's AMD EPYC) run a GEMM of at most 100^3
# multiply-adds with a small-matrix kernel that packs neither operand; past that size each
# call repacks the whole (k, n) operand, the recurrent kernel at every step. Measured on this
# project's 2-core AMD EPYC (OpenBLAS 0.3.30 SkylakeX, one thread, float32, us a GEMM, min of
# 20 x 100): 15 x 128 @ 128 x 512 18.3, 16 x 128 @ 128 x 512 37.9; 15 x 512 @ 512 x 128 18.0,
# 16 x .. 38.4; 61 x 64 @ 64 x 256 17.9, 62 x .. 25.1; 8 x 128 @ 128 x 512 9.1 (7 rows: 12.4);
# float64 8 x 128 @ 128 x 512 18.8, 16 x .. 53.6. So where SciPy's OpenBLAS runs those kernels,
# recurrent_rows cuts a core's share of the batch into blocks under the size, in multiples of
# SMALL_GEMM_ROWS rows (8 rows ran faster than 11, 12 or 15). W8's LSTM(128), batch 32, 80
# steps, forward + backward, ms (min of 7, five rounds): 8 rows 16.6, 16 (the rule before)
# 23.5, 32 28.3; LSTM(128) batch 64, 40 steps: 8 rows 16.2, 16 22.8, 32 (the rule before)
# 19.4; LSTM(256) batch 32 (8 rows of 256 x 1024 do not fit under it): 2 rows 68.6, 3 71.7,
# 16 (the rule, kept) 46.7. Elsewhere (AVX2 builds: Haswell, Zen) the rule is unchanged.
SMALL_GEMM_MACS = 100**3
SMALL_GEMM_ROWS = 8
SMALL_GEMM_CORES = ("skylakex", "cooperlake", "sapphirerapids")
# THREADED_ELEMENTS, ELEMENT_CHUNKS: an Embedding table's optimizer step over a big table cuts
# its rows into ELEMENT_CHUNKS chunks over the free threads (numba_fast/embedding.py; each
# element's update is the same expression in any chunk, so the same bits on any thread count);
# smaller tables stay on the calling thread (a thread launch costs ~10-20 us) and compile no
# threaded kernel. Measured (float32, min of 20, idle, 1 thread / 2 threads): W8's 20000 x 128
# Adam step 4.5 / 2.2 ms. (Tried and not kept: ReLU and its gradient the same way on W7's
# feature maps, 128 x 24 x 24 x 64: forward 0.66 / 0.65 ms, backward 1.83 / 1.10 ms alone,
# but W7's epoch moved within its run-to-run spread, 4.9-5.8 s both ways.)
THREADED_ELEMENTS = 1 << 18
ELEMENT_CHUNKS = 64

_forced = {"loop": None, "block_limit": None, "threads": None}
_running = {"at": float("-inf"), "others": None}
CPUS = os.cpu_count() or 1


@contextmanager
def forced(loop=None, block_limit=None, threads=None):
    """Within the block, every recurrent layer on the numba path runs `loop` (each of LOOPS
    computes every cell), GEMMs are cut to `block_limit` multiply-adds and split over
    `threads` (None: unchanged, the rule picks). For tests and benchmarks:

        with plan.forced(loop="gemm", block_limit=1):   # one-row GEMM blocks
            layer(x)
    """
    if loop is not None and loop not in LOOPS:
        raise ValueError(f"`loop` must be one of {LOOPS} or None; received loop={loop!r}.")
    old = dict(_forced)
    _forced.update(loop=loop, block_limit=block_limit, threads=threads)
    try:
        yield
    finally:
        _forced.update(old)


def choose(cell, batch, units):
    """The Plan for one call of a recurrent layer's time loop: cell "lstm", "gru" or
    "simple_rnn"; batch, units the loop's shapes. The activations and recurrent dropout do not
    enter: every loop computes them all, and no measurement above asked for a rule on them."""
    loop = _loop(cell, batch, units)
    if loop != "gemm":
        return Plan(loop, 1, _forced["block_limit"] or SINGLE_THREAD_MACS)
    macs_per_row = GATES[cell] * units * units
    threads, limit = gemm_split(macs_per_row, recurrent_rows(batch, macs_per_row))
    return Plan(loop, min(threads, _row_blocks(batch, macs_per_row, limit)), limit)


def _loop(cell, batch, units):
    """choose's loop: the forced one, else by FUSED_MAX_WORK."""
    if cell not in GATES:
        raise ValueError(f"`cell` must be one of {sorted(GATES)}; received cell={cell!r}.")
    if _forced["loop"] is not None:
        return _forced["loop"]
    return "fused" if batch * units * GATES[cell] * units < FUSED_MAX_WORK[cell] else "gemm"


def inference_in_one_call(cell, batch, steps, features, units):
    """True where a recurrent layer's forward pass on x (batch, steps, features), without mask
    or dropout, computes what its inference twin does in one call (kernels.rnn.lstm_inference,
    simple_rnn_inference, kernels.gru.gru_inference: the input projection as one GEMM, then
    one GEMM of all rows per step, on the calling thread): the layer's own loop is then the
    GEMM loop on one thread, each step's GEMM one block under SINGLE_THREAD_MACS (so BLAS
    keeps it on the calling thread unpinned), and its projection one GEMM. Elsewhere the
    layer runs its forward pass (threads, slabs, the small-layer loop). On the NumPy path
    both are the reference, so either holds. Measured (W6's LSTM(64) -> Dense(1), 1 sample,
    30 steps; min of 4000): predict 76 -> 38 us."""
    # asked on every predict: each answer is kept, by everything it depends on
    key = (cell, batch, steps, features, units, _forced["loop"], _forced["block_limit"],
           blas_pinnable())
    if key not in _ONE_CALL:
        if len(_ONE_CALL) >= 4096:  # many shapes (variable sequence lengths): start again
            _ONE_CALL.clear()
        _ONE_CALL[key] = _inference_in_one_call(cell, batch, steps, features, units)
    return _ONE_CALL[key]


_ONE_CALL = {}


def _inference_in_one_call(cell, batch, steps, features, units):
    # choose's plan has one thread where the batch is one block (_row_blocks), and a block
    # limit of at least SINGLE_THREAD_MACS unless a forced one is smaller
    if _loop(cell, batch, units) != "gemm":
        return False
    macs_per_row = GATES[cell] * units * units
    return (batch * macs_per_row <= min(SINGLE_THREAD_MACS, gemm_limit())
            and projection_in_one_gemm(batch * steps, features * GATES[cell] * units))


def recurrent_rows(batch, macs_per_row):
    """Rows per GEMM block of the recurrent time loops where BLAS is pinned: one slab per core
    (ceil(batch / CPUS)), at least RECURRENT_ROWS; where SciPy's OpenBLAS has small-matrix
    kernels (small_gemm_macs()), that share cut into equal blocks of at most SMALL_GEMM_MACS
    multiply-adds, if such a block still has SMALL_GEMM_ROWS rows (the measurements above)."""
    rows, limit = max(RECURRENT_ROWS, -(-batch // CPUS)), small_gemm_macs()
    small = limit // max(1, macs_per_row) // SMALL_GEMM_ROWS * SMALL_GEMM_ROWS
    if rows * macs_per_row <= limit or small < SMALL_GEMM_ROWS:
        return rows
    blocks = -(-rows // small)  # ceil(rows / small): the fewest blocks of at most `small` rows
    return -(-rows // blocks)  # the rows shared out evenly among them


def _row_blocks(rows, macs_per_row, limit):
    """How many GEMM blocks of at most `limit` multiply-adds cover `rows` rows (at least 1):
    the most slabs the GEMM loop cuts the batch into (blocks.py), so the most threads it keeps
    busy. No more threads than that: a threaded loop waits at its end for every thread, even
    one with no slab (free_threads says why that hurts). Measured at W6's LSTM(64), batch 1,
    30 steps, forward, while other processes kept the 2 cores busy (load 4-5): 2 threads
    0.5-6 ms a call, 1 thread 0.06 ms. The numbers do not depend on the count (blocks.py)."""
    return max(1, -(-rows // block_rows(macs_per_row, limit)))


def block_rows(macs_per_row, limit):
    """Rows per GEMM block of at most `limit` multiply-adds (at least 1): what the compiled
    loops cut by (numba_fast/blocks.py's block_size, its compiled twin)."""
    return max(1, limit // max(1, macs_per_row))


def gemm_split(macs_per_row=None, rows=None):
    """(threads, block_limit) for a threaded GEMM kernel: the free threads, and GEMMs of at
    most SINGLE_THREAD_MACS multiply-adds; or, where SciPy's BLAS can be kept on the calling
    thread (blas_pinnable(); the kernel then holds blocks.blas_on_calling_thread()) and the
    caller names its GEMMs' rows (`macs_per_row` multiply-adds each), blocks of `rows` rows
    (RECURRENT_ROWS, PROJECTION_ROWS) or SINGLE_THREAD_MACS, whichever is more: so a block is
    never smaller than one the unpinned rule would cut, and a GEMM the layers run whole
    (dense.py's one-block shortcut) is one block in the whole-epoch kernels too. Forced values
    win (threads never past numba's count)."""
    threads = min(_forced["threads"], numba.get_num_threads()) if _forced["threads"] else \
        free_threads()
    return threads, gemm_limit(macs_per_row, rows)


def gemm_limit(macs_per_row=None, rows=None):
    """gemm_split's block limit alone (no look at the free threads)."""
    if _forced["block_limit"]:
        return _forced["block_limit"]
    if macs_per_row is None or not blas_pinnable():
        return SINGLE_THREAD_MACS
    return max(SINGLE_THREAD_MACS, rows * macs_per_row)


def projection_split(macs_per_row):
    """gemm_split for the recurrent layers' input projection kernels (numba_fast/dense.py),
    whose rows take `macs_per_row` multiply-adds each: PROJECTION_ROWS-row GEMMs where BLAS
    is pinned."""
    return gemm_split(macs_per_row, PROJECTION_ROWS)


def projection_in_one_gemm(rows, macs_per_row):
    """True where an input projection of `rows` rows is one single-thread GEMM: at most
    SINGLE_THREAD_MACS, and one block of projection_split's limit (so the threaded kernels,
    which the whole-epoch kernels run, would compute that same one GEMM). Then the layers run
    it as dense_forward/backward, without a thread launch."""
    return (rows * macs_per_row <= SINGLE_THREAD_MACS
            and rows <= block_rows(macs_per_row, gemm_limit(macs_per_row, PROJECTION_ROWS)))


def free_threads():
    """numba's thread count, less the cores other processes are running on right now (at
    least 1). Why: a threaded loop waits at its end for every thread, and on a busy machine
    the scheduler lets a thread wait its turn for milliseconds. Measured at W6's LSTM(64),
    batch 64, 30 steps, forward + backward, while other processes kept 5 of this machine's 2
    cores busy (ms, min / median / 90th percentile of 150): 2 threads 2.4 / 32-40 / 48-52,
    1 thread 5.0 / 13.2 / 17.6-21. Linux's /proc/loadavg gives the processes running now
    (this one included); elsewhere, numba's count. The numbers do not depend on the count
    (blocks.py), so the choice changes the speed only."""
    configured = numba.get_num_threads()
    if configured == 1:
        return 1
    now = time.monotonic()
    if now - _running["at"] > 0.1:  # read at most every 0.1 s
        _running.update(at=now, others=_others_running())
    if _running["others"] is None:
        return configured
    return max(1, min(configured, CPUS - _running["others"]))


def _others_running():
    """Threads running now in other processes: Linux's /proc/loadavg counts every runnable
    thread, this process's own too (numba's workers and OpenBLAS's pool finishing a loop, or
    spinning after a GEMM), so those (/proc/self/task/*/stat in state R) are taken off.
    Counting them made an idle machine look busy: during W7's fit, half the readings saw 1-3
    others on an idle machine, so its convolutions ran on one thread (conv2's backward 76 ms
    median a batch against 43 ms alone)."""
    try:
        return max(0, _all_running() - _own_running())
    except (OSError, ValueError, IndexError):
        return None


def _all_running():
    """The machine's threads running now, from Linux's /proc/loadavg ("1/234": running/all)."""
    with open("/proc/loadavg") as f:
        return int(f.read().split()[3].split("/")[0])


def _own_running():
    """This process's threads in state R (running or runnable), the caller included."""
    count = 0
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/stat") as f:
                count += f.read().rsplit(")", 1)[1].split()[0] == "R"
        except (OSError, IndexError):  # a thread that ended meanwhile
            continue
    return max(1, count)


def epoch_plan(cell, rows, batch_size, units):
    """The Plan of an epoch's batches (`rows` samples in batches of `batch_size`, the last one
    possibly smaller, no recurrent dropout), or None when the batches would take different
    loops. What the whole-epoch kernels ask before they run an epoch in one call: its
    block_limit is the full batches', its last_block_limit the last batch's where that differs
    (recurrent_rows: a smaller batch, smaller blocks), so each batch is cut as the layer would
    cut it. The thread count is the full batches' (a smaller last batch may keep fewer
    threads busy: choose's rule, which changes no number, so it does not split the epoch)."""
    sizes = (min(batch_size, rows), rows % batch_size or min(batch_size, rows))
    full, last = (choose(cell, size, units) for size in sizes)
    if full.loop != last.loop:
        return None
    if last.block_limit == full.block_limit:
        return full
    return full._replace(last_block_limit=last.block_limit)


# ---- convolutions (numba_fast/conv.py) --------------------------------------------------------
# CONV_SLAB_ROWS: im2col rows per slab of samples (one numba thread's work item, one GEMM per
# group). Measured at W7's conv2 forward (batch 128, 576 rows of 288 per sample, SciPy's
# OpenBLAS on the calling thread; min of 7, load ~1.8): 1, 2, 4 and 8 samples per slab
# 15.2 / 15.0 / 14.9 / 15.4 ms, so any size past one sample does; 2048 rows keeps a thread's
# cols (and dcols) at a few MiB, in cache, and leaves 32 slabs to share out at batch 128.
CONV_SLAB_ROWS = 2048
UNCUT = 2**62  # a block limit no GEMM reaches


def conv_split():
    """(threads, block_limit) for the convolution kernels: gemm_split()'s threads; GEMMs uncut
    where SciPy's BLAS can be kept on the calling thread (blas_pinnable()), else cut as every
    threaded GEMM kernel is (SINGLE_THREAD_MACS); a forced block_limit wins either way."""
    threads, limit = gemm_split()
    if blas_pinnable() and _forced["block_limit"] is None:
        limit = UNCUT
    return threads, limit


# ---- SciPy's BLAS threads -----------------------------------------------------------------------
@functools.cache  # looked up once a package (SciPy loads late: on first use, not at import)
def openblas_threads(package):
    """The OpenBLAS bundled in `package`'s wheel ("scipy": the one numba's np.dot calls;
    "numpy": NumPy's own) as (set_num_threads, get_num_threads), or None where the package
    ships another BLAS or the library is not where its wheels put it."""
    return _openblas_functions(package, "set_num_threads", "get_num_threads")


def _openblas_functions(package, *names):
    """The functions `names` of the OpenBLAS `package`'s wheel bundles (in
    <site-packages>/<package>.libs), from the first library and spelling (scipy_openblas_<name>,
    a 64-bit-integer build's scipy_openblas_<name>64_, openblas_<name>) that has them all; None
    where none has."""
    module = importlib.import_module(package)
    folder = os.path.join(os.path.dirname(os.path.dirname(module.__file__)), f"{package}.libs")
    for path in sorted(glob.glob(os.path.join(folder, "libscipy_openblas*.so*"))):
        lib = ctypes.CDLL(path)
        for spelling in ("scipy_openblas_{}", "scipy_openblas_{}64_", "openblas_{}"):
            symbols = [spelling.format(name) for name in names]
            if all(hasattr(lib, symbol) for symbol in symbols):
                return tuple(getattr(lib, symbol) for symbol in symbols)
    return None


class openblas_limited:  # lowercase: a context manager, called as the function it was
    """Within the block, `package`'s OpenBLAS ("scipy" or "numpy") runs each call on at most
    `threads` threads (at least 1); unchanged where its count cannot be set. A class, not a
    generator: every predict and training step enters one (1 us less a call)."""

    def __init__(self, package, threads):
        self.found, self.threads, self.previous = openblas_threads(package), threads, None

    def __enter__(self):
        if self.found is not None:
            set_threads, get_threads = self.found
            previous = get_threads()
            if self.threads < previous:
                set_threads(max(1, self.threads))
                self.previous = previous

    def __exit__(self, *exc_info):
        if self.previous is not None:
            self.found[0](self.previous)


def numpy_blas_on_calling_thread():
    """Within the block, NumPy's own OpenBLAS (np.linalg, np.dot outside the kernels) runs on
    the calling thread. For the small LAPACK calls of model building (the Orthogonal
    initializer's QR): on more threads they wake NumPy's BLAS pool, whose threads then spin for
    ~0.1 s after the call, on the cores a fit started right after needs. Measured on this
    project's 2-core AMD EPYC: an LSTM(64) built, a thread of this process still running 50 ms
    later, none at 100 ms; W6's fit started at once 0.90 s (median of 10) against 0.84 s
    started 0.5 s later. Nothing changes where NumPy's OpenBLAS is not found."""
    return openblas_limited("numpy", 1)


def small_gemm_macs():
    """SMALL_GEMM_MACS where SciPy's OpenBLAS runs one of SMALL_GEMM_CORES' kernel sets (it
    picks them for the CPU at load time, or as OPENBLAS_CORETYPE says), else 0: the GEMM size
    up to which its calls pack nothing. Looked up once (openblas_corename)."""
    core = openblas_corename("scipy")
    return SMALL_GEMM_MACS if core is not None and core.lower() in SMALL_GEMM_CORES else 0


@functools.cache  # looked up once a package, as openblas_threads
def openblas_corename(package):
    """The kernel set `package`'s OpenBLAS runs ("SkylakeX", "Haswell", "Zen", ...), or None
    where it is not found."""
    found = _openblas_functions(package, "get_corename")
    if found is None:
        return None
    get_corename, = found
    get_corename.restype = ctypes.c_char_p
    return get_corename().decode()


def blas_pinnable():
    """True when SciPy's BLAS can be kept on the calling thread (blocks.blas_on_calling_thread),
    so compiled kernels may hand it GEMMs past SINGLE_THREAD_MACS from their own threads."""
    return openblas_threads("scipy") is not None
