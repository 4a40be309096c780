"""SimpleRNN/LSTM time loops: numba == NumPy twins, and backward == finite differences.

Both checked over odd shapes, batch 1, non-contiguous inputs, masks with skipped steps,
recurrent-dropout masks, every activation code and both zero_output_for_mask settings.
"""

import contextlib

import numpy as np
import pytest
from helpers import F64, FD, as_float64, assert_close, assert_twins, numeric_grad
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from minikeras.kernels import plan
from minikeras.kernels.numba_fast import cells
from minikeras.kernels.numba_fast import rnn as fast
from minikeras.kernels.numpy_ref import rnn as ref

CODES = [0, 1, 2, 3, 4]  # linear, tanh, sigmoid, relu, hard_sigmoid
# numba rounds once per fused expression, NumPy once per operation; float32 states that can
# grow without bound (LSTM gates that are linear or relu, a linear SimpleRNN) compound that
# difference step after step (measured up to 1.4e-4), so those run in float64 only.
UNBOUNDED_GATES = (0, 3)
TWIN_TOL = {np.float32: 1e-5, np.float64: F64}
# float32 twins drawn by Hypothesis are checked with helpers.assert_as_accurate (against the
# reference in float64). Over 1,500-2,000 drawn cases each, the compiled result's distance to
# float64 exceeded 4 x NumPy's float32 distance by at most 1.1e-7 (SimpleRNN), 9.5e-8 (LSTM,
# bounded activations) and 1.5e-7 (LSTM GEMM loop); the floor is 1e-6. An LSTM with tanh gates
# (forget gate in [-1, 1]) and a linear or relu candidate ran up to 1.0e-5 over (compiled
# 1.95e-5 from float64, NumPy 2.4e-6): float64 only, like the unbounded gates.


def _case(rng, batch, steps, units, gates, dtype, transposed, masked, dropped):
    """Random loop inputs; `transposed` makes xz a non-contiguous view."""
    shape = (batch, steps, gates * units)
    if transposed:
        xz = rng.normal(size=shape[::-1]).astype(dtype).transpose(2, 1, 0)
    else:
        xz = rng.normal(size=shape).astype(dtype)
    kernel = (rng.normal(size=(units, gates * units)) * 0.5).astype(dtype)
    states = [rng.normal(size=(batch, units)).astype(dtype) for _ in range(2)]
    mask = np.ones((batch, steps), dtype)
    if masked:
        mask = (rng.random((batch, steps)) > 0.35).astype(dtype)
    rmask = np.ones((gates, batch, units), dtype)
    if dropped:
        rmask = ((rng.random((gates, batch, units)) > 0.3) / 0.7).astype(dtype)
    dout = rng.normal(size=(batch, steps, units)).astype(dtype)
    dlast = [rng.normal(size=(batch, units)).astype(dtype) for _ in range(2)]
    return xz, kernel, states, mask, rmask, dout, dlast


def _run_lstm(module, case, act, rec_act, zero):
    xz, kernel, (h0, c0), mask, rmask, dout, (dh, dc) = case
    outputs, h, c, *cache = module.lstm_forward(xz, kernel, h0, c0, mask, rmask, act, rec_act,
                                                zero)
    grads = module.lstm_backward(dout, dh, dc, kernel, mask, rmask, *cache, act, rec_act, zero)
    return (outputs, h, c, *cache, *grads)


def _run_simple(module, case, act, zero):
    xz, kernel, (h0, _), mask, rmask, dout, (dh, _) = case
    outputs, h, *cache = module.simple_rnn_forward(xz, kernel, h0, mask, rmask, act, zero)
    grads = module.simple_rnn_backward(dout, dh, kernel, mask, rmask, *cache, act, zero)
    return (outputs, h, *cache, *grads)


LSTM_NAMES = ["outputs", "h", "c", "hprev", "cprev", "gates", "cnew", "dxz",
              "drecurrent_kernel", "dh0", "dc0"]
SIMPLE_NAMES = ["outputs", "h", "hprev", "hnew", "dxz", "drecurrent_kernel", "dh0"]


@settings(max_examples=50, deadline=None)
@given(batch=st.integers(1, 4), steps=st.integers(1, 6), units=st.integers(1, 5),
       dtype=st.sampled_from([np.float32, np.float64]), transposed=st.booleans(),
       masked=st.booleans(), dropped=st.booleans(), zero=st.booleans(),
       act=st.sampled_from(CODES), rec_act=st.sampled_from(CODES), seed=st.integers(0, 99),
       path=st.sampled_from(["fused", "gemm"]))
def test_lstm_twins_agree(batch, steps, units, dtype, transposed, masked, dropped, zero, act,
                          rec_act, seed, path):
    assume(dtype == np.float64 or (rec_act not in UNBOUNDED_GATES
                                   and not (rec_act == 1 and act in UNBOUNDED_GATES)))
    case = _case(np.random.default_rng(seed), batch, steps, units, 4, dtype, transposed, masked,
                 dropped)
    with plan.forced(loop=path):
        mine = _run_lstm(fast, case, act, rec_act, zero)
    theirs = _run_lstm(ref, case, act, rec_act, zero)
    assert_twins(LSTM_NAMES, mine, theirs, dtype, "lstm",
                  lambda: _run_lstm(ref, as_float64(case), act, rec_act, zero))


@settings(max_examples=50, deadline=None)
# drecurrent_kernel, 1 x 1, a sum over 16 terms that cancels to -1.57e-3: 2.7e-5 of it apart
@example(batch=4, steps=4, units=1, dtype=np.float32, transposed=False, masked=True,
         dropped=False, zero=False, act=2, seed=87, path="fused")
@given(batch=st.integers(1, 4), steps=st.integers(1, 6), units=st.integers(1, 5),
       dtype=st.sampled_from([np.float32, np.float64]), transposed=st.booleans(),
       masked=st.booleans(), dropped=st.booleans(), zero=st.booleans(),
       act=st.sampled_from(CODES), seed=st.integers(0, 99),
       path=st.sampled_from(["fused", "gemm"]))
def test_simple_rnn_twins_agree(batch, steps, units, dtype, transposed, masked, dropped, zero,
                                act, seed, path):
    assume(dtype == np.float64 or act != 0)
    case = _case(np.random.default_rng(seed), batch, steps, units, 1, dtype, transposed, masked,
                 dropped)
    with plan.forced(loop=path):
        mine = _run_simple(fast, case, act, zero)
    theirs = _run_simple(ref, case, act, zero)
    assert_twins(SIMPLE_NAMES, mine, theirs, dtype, "simple_rnn",
                  lambda: _run_simple(ref, as_float64(case), act, zero))


@settings(max_examples=60, deadline=None)
@given(batch=st.integers(1, 6), steps=st.integers(1, 6), units=st.integers(1, 5),
       dtype=st.sampled_from([np.float32, np.float64]), transposed=st.booleans(),
       masked=st.booleans(), zero=st.booleans(), seed=st.integers(0, 99),
       row_blocks=st.booleans())
def test_lstm_gemm_loop_agrees_with_the_reference(batch, steps, units, dtype, transposed,
                                                  masked, zero, seed, row_blocks):
    """rnn_gemm.py's loop with Keras's default tanh/sigmoid; row_blocks cuts every GEMM into
    one-row blocks on two threads, as it does for large layers."""
    case = _case(np.random.default_rng(seed), batch, steps, units, 4, dtype, transposed, masked,
                 False)
    with plan.forced(loop="gemm", block_limit=1 if row_blocks else None,
                     threads=2 if row_blocks else None):
        mine = _run_lstm(fast, case, 1, 2, zero)
    theirs = _run_lstm(ref, case, 1, 2, zero)
    assert_twins(LSTM_NAMES, mine, theirs, dtype, "lstm gemm",
                  lambda: _run_lstm(ref, as_float64(case), 1, 2, zero))


@pytest.mark.parametrize("cell", ["lstm", "simple_rnn"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gemm_loop_with_recurrent_dropout_in_row_blocks(cell, dtype):
    """The GEMM loop's per-gate recurrent-dropout GEMMs, in one-row blocks over two threads,
    with masked steps and a non-default activation: the reference's numbers."""
    gates, act = (4, 3) if cell == "lstm" else (1, 2)
    case = _case(np.random.default_rng(5), 5, 4, 3, gates, dtype, True, True, True)
    run = (lambda m: _run_lstm(m, case, act, 2, False)) if cell == "lstm" else (
        lambda m: _run_simple(m, case, act, True))
    with plan.forced(loop="gemm", block_limit=1, threads=2):
        mine = run(fast)
    names = LSTM_NAMES if cell == "lstm" else SIMPLE_NAMES
    for name, a, b in zip(names, mine, run(ref), strict=True):
        assert a.shape == b.shape and a.dtype == np.dtype(dtype), name
        assert_close(a, b, _tolerance(dtype, name), f"{cell} gemm {name}")


@pytest.mark.parametrize("dropped", [False, True])
def test_gemm_loop_gives_the_same_bits_on_any_thread_count(dropped):
    """Slabs are cut by the block limit, not the thread count (blocks.py), so the sums over
    rows, and so every result, are the same bits on 1 thread (no launch) and on 2."""
    case = _case(np.random.default_rng(9), 7, 4, 3, 4, np.float32, False, True, dropped)
    runs = []
    for threads in (1, 2):
        with plan.forced(loop="gemm", block_limit=3 * 12, threads=threads):  # 1-row slabs
            runs.append(_run_lstm(fast, case, 1, 2, False))
    for name, a, b in zip(LSTM_NAMES, *runs, strict=True):
        assert np.array_equal(a, b), name


def test_other_processes_threads_are_the_running_ones_less_our_own(monkeypatch):
    """/proc/loadavg counts this process's running threads too (numba's workers, OpenBLAS's
    spinning pool); they are not "others" that should make our loops back off."""
    import os

    monkeypatch.setattr(plan, "_all_running", lambda: 5)
    monkeypatch.setattr(plan, "_own_running", lambda: 3)
    assert plan._others_running() == 2
    monkeypatch.setattr(plan, "_own_running", lambda: 7)  # read a moment apart: never < 0
    assert plan._others_running() == 0

    def unreadable():
        raise OSError("no /proc here")

    monkeypatch.setattr(plan, "_all_running", unreadable)
    assert plan._others_running() is None  # then free_threads keeps numba's count
    monkeypatch.undo()
    if os.path.isdir("/proc/self/task"):
        assert plan._own_running() >= 1  # this thread, reading, is running


def test_with_blas_on_the_calling_thread_blocks_take_rows(monkeypatch):
    """Where SciPy's BLAS can be pinned to the calling thread, a GEMM block is one core's share
    of the batch (at least RECURRENT_ROWS rows) in the time loop and PROJECTION_ROWS rows in
    the input projection, past SINGLE_THREAD_MACS (W8's LSTM(128), batch 32, on 2 cores: two
    16-row slabs, so two threads; W6's batch 64: two of 32 rows); elsewhere
    SINGLE_THREAD_MACS; a forced block limit wins either way."""
    w8_row = 4 * 128 * 128
    monkeypatch.setattr(plan, "blas_pinnable", lambda: True)
    monkeypatch.setattr(plan, "small_gemm_macs", lambda: 0)  # a BLAS without small kernels
    monkeypatch.setattr(plan, "CPUS", 2)
    with plan.forced(threads=2):
        assert plan.choose("lstm", 32, 128) == plan.Plan("gemm", 2, plan.RECURRENT_ROWS * w8_row)
        assert plan.choose("lstm", 64, 64) == plan.Plan("gemm", 2, 32 * 4 * 64 * 64)
        assert plan.choose("lstm", 8, 128).threads == 1  # one block: no second thread
        monkeypatch.setattr(plan, "CPUS", 16)  # more cores: RECURRENT_ROWS at least
        assert plan.choose("lstm", 64, 64).block_limit == plan.RECURRENT_ROWS * 4 * 64 * 64
        monkeypatch.setattr(plan, "CPUS", 2)
        assert plan.projection_split(128 * 512) == (2, plan.PROJECTION_ROWS * 128 * 512)
    with plan.forced(block_limit=5, threads=2):
        assert plan.choose("lstm", 32, 128).block_limit == 5
        assert plan.projection_split(128 * 512) == (2, 5)
    monkeypatch.setattr(plan, "blas_pinnable", lambda: False)
    with plan.forced(threads=2):
        assert plan.choose("lstm", 32, 128).block_limit == plan.SINGLE_THREAD_MACS
        assert plan.projection_split(128 * 512) == (2, plan.SINGLE_THREAD_MACS)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lstm_gemm_loop_at_w8s_width_agrees_with_the_reference(dtype):
    """W8's LSTM(128) at batch 32 (on this default plan: 16-row GEMMs over two slabs where BLAS
    is pinned, 4-row blocks elsewhere), masked steps: the reference's numbers."""
    case = _case(np.random.default_rng(3), 32, 3, 128, 4, dtype, False, True, False)
    assert plan.choose("lstm", 32, 128).loop == "gemm"
    mine, theirs = _run_lstm(fast, case, 1, 2, False), _run_lstm(ref, case, 1, 2, False)
    for name, a, b in zip(LSTM_NAMES, mine, theirs, strict=True):
        assert a.shape == b.shape and a.dtype == np.dtype(dtype), name
        assert_close(a, b, _tolerance(dtype, name), f"lstm gemm {name}")


def test_free_threads_leaves_the_busy_cores():
    """The thread count backs off by the processes running now (Linux's /proc/loadavg)."""
    import numba

    old = dict(plan._running)
    try:
        plan._running.update(at=float("inf"), others=0)  # an idle machine
        assert plan.free_threads() == min(numba.get_num_threads(), plan.CPUS)
        plan._running.update(others=plan.CPUS)  # every core busy
        assert plan.free_threads() == 1
        plan._running.update(others=None)  # no /proc/loadavg: numba's count
        assert plan.free_threads() == numba.get_num_threads()
    finally:
        plan._running.update(old)


def _tolerance(dtype, name):
    if dtype == np.float32 and name in ("dh0", "dc0"):
        # sums of 4 gates' terms that cancel; sigmoid as tanh(z/2)/2 + 1/2 rounds apart
        # from the exp form. Over 2,000 random cases both float32 loops were as far from
        # the float64 result (dh0 / dc0: gemm 5.4e-6 / 9.3e-5, reference 2.1e-5 / 6.1e-5).
        return 2e-4
    return TWIN_TOL[dtype]


def test_the_plan_picks_each_loop():
    import numba

    assert plan.choose("lstm", 64, 64).loop == "gemm"  # W6: LSTM(64), batch 64
    assert plan.choose("lstm", 1, 4).loop == "fused"  # the airline tutorial
    assert plan.choose("lstm", 64, 64).threads == plan.gemm_split()[0]
    assert plan.choose("lstm", 1, 4).threads == 1
    # no more threads than GEMM row blocks: W6's 1-sample predict (batch 1) runs on 1 thread,
    # batch 64 in 4 blocks of 16 rows on the free threads
    assert plan.choose("lstm", 1, 64) == plan.Plan("gemm", 1, plan.SINGLE_THREAD_MACS)
    with plan.forced(loop="gemm", block_limit=3 * 4 * 4 * 4, threads=2):  # 3-row blocks
        assert [plan.choose("lstm", b, 4).threads for b in (3, 4, 7)] == [1, 2, 2]
    assert plan.choose("simple_rnn", 8, 64).loop == "gemm"
    assert plan.choose("simple_rnn", 8, 8).loop == "fused"
    assert plan.choose("gru", 1, 4).loop == "fused"
    assert plan.choose("gru", 64, 128).loop == "gemm"
    with plan.forced(loop="gemm", block_limit=7, threads=1):
        assert plan.choose("lstm", 1, 4) == plan.Plan("gemm", 1, 7)
        assert plan.gemm_split() == (1, 7)
    with plan.forced(threads=10**6):  # never past numba's thread count
        assert plan.gemm_split()[0] == numba.get_num_threads()
        assert plan.choose("gru", 1, 4).loop == "fused"  # threads alone: the rule picks
    assert plan.choose("lstm", 1, 4).loop == "fused"  # the context is left as it was
    with pytest.raises(ValueError, match="loop='steps'"):
        with plan.forced(loop="steps"):
            pass
    with pytest.raises(ValueError, match="cell='rnn'"):
        plan.choose("rnn", 1, 4)


def test_every_batch_of_an_epoch_takes_one_loop_or_none():
    assert plan.epoch_plan("lstm", 4000, 64, 64).loop == "gemm"  # W6
    assert plan.epoch_plan("lstm", 100, 1, 4).loop == "fused"  # airline
    # batches of 16 on the GEMM loop, a last batch of 4 on the fused one: no single loop
    assert plan.epoch_plan("lstm", 20, 16, 8) is None


def test_a_smaller_last_batch_keeps_the_epoch_in_one_plan():
    """W6's model on 70 samples in batches of 32: the last batch of 6 is one GEMM block, so
    choose() gives it one thread where the full batches get two (on an idle machine); the
    thread count changes no number, so the epoch still has one plan (the full batches')."""
    with plan.forced(threads=2):
        full, last = plan.choose("lstm", 32, 64), plan.choose("lstm", 6, 64)
        found = plan.epoch_plan("lstm", 70, 32, 64)
    assert (full.loop, last.loop) == ("gemm", "gemm")
    assert last.threads <= full.threads
    assert found == full


def test_blocks_stay_under_the_small_gemm_size_where_openblas_has_small_kernels(monkeypatch):
    """OpenBLAS's SkylakeX kernels skip packing for GEMMs up to 100^3 multiply-adds: a core's
    share of the batch is cut into equal blocks under that, in multiples of 8 rows, if 8 rows
    fit (kernels/plan.py: SMALL_GEMM_MACS)."""
    monkeypatch.setattr(plan, "blas_pinnable", lambda: True)
    monkeypatch.setattr(plan, "small_gemm_macs", lambda: plan.SMALL_GEMM_MACS)
    monkeypatch.setattr(plan, "CPUS", 2)
    lstm = 4 * 128 * 128
    with plan.forced(threads=2):
        assert plan.choose("lstm", 32, 128) == plan.Plan("gemm", 2, 8 * lstm)  # W8: 16 -> 8
        assert plan.choose("lstm", 64, 128).block_limit == 8 * lstm  # 32 -> 4 blocks of 8
        assert plan.choose("lstm", 64, 64).block_limit == 32 * 4 * 64 * 64  # W6: already under
        assert plan.choose("lstm", 128, 64).block_limit == 32 * 4 * 64 * 64  # 64 -> 2 x 32
        assert plan.choose("gru", 64, 128).block_limit == 16 * 3 * 128 * 128  # 32 -> 2 x 16
        assert plan.choose("lstm", 32, 256).block_limit == 16 * 4 * 256 * 256  # 8 rows too big
    for batch, units in [(32, 128), (64, 128), (128, 64), (20, 128), (64, 160)]:
        rows = plan.recurrent_rows(batch, 4 * units * units)
        assert rows * 4 * units * units <= plan.SMALL_GEMM_MACS and rows >= plan.SMALL_GEMM_ROWS


def test_the_openblas_kernel_set_is_read_where_scipy_bundles_openblas():
    core = plan.openblas_corename("scipy")
    if not plan.blas_pinnable():
        pytest.skip("SciPy's OpenBLAS not found")
    assert isinstance(core, str) and core  # "SkylakeX", "Haswell", "Zen", ...
    assert plan.small_gemm_macs() == (plan.SMALL_GEMM_MACS if core.lower() in
                                      plan.SMALL_GEMM_CORES else 0)


def test_a_smaller_last_batch_with_smaller_blocks_is_named_in_the_plan(monkeypatch):
    """W6 (4000 samples in batches of 64) on 2 cores with BLAS pinned: the full batches take
    32-row blocks, the last batch of 32 16-row ones (recurrent_rows); the epoch's plan names
    both, so the kernel cuts each batch as the layer would."""
    monkeypatch.setattr(plan, "blas_pinnable", lambda: True)
    monkeypatch.setattr(plan, "CPUS", 2)
    row = 4 * 64 * 64
    found = plan.epoch_plan("lstm", 4000, 64, 64)
    assert (found.loop, found.block_limit, found.last_block_limit) == ("gemm", 32 * row, 16 * row)
    assert plan.epoch_plan("lstm", 4096, 64, 64).last_block_limit == 0  # no smaller batch


# ---- backward == finite differences (float64, both paths) ---------------------------------
# Smooth activations only: relu / hard_sigmoid kinks make central differences unreliable.
PATHS = [(ref, "fused"), (fast, "fused"), (fast, "gemm")]
PATH_IDS = ["numpy", "numba-fused", "numba-gemm"]


@pytest.mark.parametrize("module,path", PATHS, ids=PATH_IDS)
@pytest.mark.parametrize("masked,zero,dropped,act,rec_act", [
    (False, False, False, 1, 2), (True, False, True, 1, 2), (True, True, False, 0, 1),
    (True, False, False, 2, 1), (True, False, False, 1, 2), (True, True, False, 1, 2)])
def test_lstm_backward_matches_finite_differences(module, path, masked, zero, dropped, act,
                                                  rec_act):
    rng = np.random.default_rng(7)
    case = _case(rng, 3, 5, 2, 4, np.float64, False, masked, dropped)
    xz, kernel, (h0, c0), mask, rmask, dout, (dh, dc) = case
    if masked:
        mask[0, 0] = 0  # a skipped first step (its output is the zeros before the sequence)

    def loss():
        outputs, h, c, *_ = module.lstm_forward(xz, kernel, h0, c0, mask, rmask, act, rec_act,
                                                zero)
        return float(np.sum(outputs * dout) + np.sum(h * dh) + np.sum(c * dc))

    with plan.forced(loop=path):
        _, _, _, *cache = module.lstm_forward(xz, kernel, h0, c0, mask, rmask, act, rec_act,
                                              zero)
        dxz, dkernel, dh0, dc0 = module.lstm_backward(dout, dh, dc, kernel, mask, rmask, *cache,
                                                      act, rec_act, zero)
        assert_close(dxz, numeric_grad(loss, xz), FD, "lstm dxz")
        assert_close(dkernel, numeric_grad(loss, kernel), FD, "lstm drecurrent_kernel")
        assert_close(dh0, numeric_grad(loss, h0), FD, "lstm dh0")
        assert_close(dc0, numeric_grad(loss, c0), FD, "lstm dc0")


@pytest.mark.parametrize("module,path", PATHS, ids=PATH_IDS)
@pytest.mark.parametrize("masked,zero,dropped,act", [
    (False, False, False, 1), (True, False, True, 1), (True, True, False, 2),
    (True, False, False, 0)])
def test_simple_rnn_backward_matches_finite_differences(module, path, masked, zero, dropped,
                                                        act):
    rng = np.random.default_rng(11)
    case = _case(rng, 3, 5, 3, 1, np.float64, False, masked, dropped)
    xz, kernel, (h0, _), mask, rmask, dout, (dh, _) = case
    if masked:
        mask[0, 0] = 0

    def loss():
        outputs, h, *_ = module.simple_rnn_forward(xz, kernel, h0, mask, rmask, act, zero)
        return float(np.sum(outputs * dout) + np.sum(h * dh))

    with plan.forced(loop=path):
        _, _, *cache = module.simple_rnn_forward(xz, kernel, h0, mask, rmask, act, zero)
        dxz, dkernel, dh0 = module.simple_rnn_backward(dout, dh, kernel, mask, rmask, *cache,
                                                       act, zero)
        assert_close(dxz, numeric_grad(loss, xz), FD, "simple_rnn dxz")
        assert_close(dkernel, numeric_grad(loss, kernel), FD, "simple_rnn drecurrent_kernel")
        assert_close(dh0, numeric_grad(loss, h0), FD, "simple_rnn dh0")


def test_masked_steps_keep_states_and_outputs():
    """A fully skipped row: the states stay h0, c0; outputs are 0 (nothing before step 0)."""
    rng = np.random.default_rng(3)
    for module, path in PATHS:
        xz, kernel, (h0, c0), mask, rmask, _, _ = _case(rng, 2, 4, 3, 4, np.float64, False,
                                                        False, False)
        mask[1] = 0
        with plan.forced(loop=path):
            outputs, h, c, *_ = module.lstm_forward(xz, kernel, h0, c0, mask, rmask, 1, 2, False)
        assert np.array_equal(h[1], h0[1]) and np.array_equal(c[1], c0[1])
        assert not outputs[1].any()
        assert np.array_equal(outputs[0, -1], h[0])


def test_gemm_loop_float32_tanh_is_within_3_ulp():
    """cells.py's vectorizable float32 tanh: within 3 ulp of float64 tanh rounded once, and
    equal to it for > 92% of a dense grid, random normals and tiny values (measured: 92.6% of
    3.2 million; NumPy's own float32 tanh: 70%); inf, NaN and signed zeros as tanh has them."""
    from numba import njit

    @njit
    def apply(x, out):
        for i in range(x.size):
            out[i] = cells.tanh(x[i])

    rng = np.random.default_rng(0)
    tiny = np.geomspace(1e-30, 1, 20_000)
    x = np.concatenate([np.linspace(-12, 12, 400_001), rng.normal(size=200_000) * 3, tiny,
                        -tiny]).astype(np.float32)
    out = np.empty_like(x)
    apply(x, out)
    expected = np.tanh(x.astype(np.float64)).astype(np.float32)
    ulp = np.abs(out.view(np.int32).astype(np.int64) - expected.view(np.int32))
    assert ulp.max() <= 3 and np.mean(ulp == 0) > 0.92, (ulp.max(), np.mean(ulp == 0))
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45], np.float32)
    out = np.empty_like(special)
    apply(special, out)
    np.testing.assert_array_equal(out, [0.0, -0.0, 1.0, -1.0, np.nan, special[5], -special[5]])
    assert np.signbit(out[:2]).tolist() == [False, True]
    x64 = rng.normal(size=1000) * 3  # float64: libm
    out64 = np.empty_like(x64)
    apply(x64, out64)
    np.testing.assert_allclose(out64, np.tanh(x64), rtol=1e-15, atol=0)


def test_lstm_gemm_backward_casts_gradients_to_the_forward_dtype():
    """float64 gradients into a float32 forward's caches (the NumPy reference takes them):
    cast to float32, not a numba typing error; Fortran-ordered states work too."""
    case = _case(np.random.default_rng(3), 5, 4, 3, 4, np.float32, False, True, False)
    xz, kernel, (h0, c0), mask, rmask, dout, (dh, dc) = case
    with plan.forced(loop="gemm"):
        _, _, _, *cache = fast.lstm_forward(xz, kernel, np.asfortranarray(h0), c0, mask, rmask,
                                            1, 2, False)
        mine = fast.lstm_backward(dout.astype(np.float64), np.asfortranarray(dh), dc, kernel,
                                  mask, rmask, *cache, 1, 2, False)
    _, _, _, *ref_cache = ref.lstm_forward(xz, kernel, h0, c0, mask, rmask, 1, 2, False)
    theirs = ref.lstm_backward(dout, dh, dc, kernel, mask, rmask, *ref_cache, 1, 2, False)
    for name, a, b in zip(["dxz", "drecurrent_kernel", "dh0", "dc0"], mine, theirs, strict=True):
        assert a.dtype == np.float32, name
        assert_close(a, b, 2e-4, name)


def test_a_model_with_threaded_loops_keeps_blas_on_the_calling_thread(monkeypatch):
    """Convolutions and recurrent layers (wrapped too) say they run threaded loops; each
    training, evaluation and prediction step of a model with one asks kernels.step_blas_threads
    for BLAS on the calling thread (its pool would spin on the cores those loops need), and
    that context pins SciPy's BLAS to one thread; a Dense-only model's steps ask for the free
    threads."""
    import minikeras as mk
    from minikeras import kernels
    from minikeras.kernels.numba_fast import blocks
    from minikeras.layers import (
        LSTM,
        Bidirectional,
        Conv1D,
        Dense,
        Dropout,
        TimeDistributed,
    )

    assert Conv1D(2, 3).runs_threaded_loops and LSTM(2).runs_threaded_loops
    assert Bidirectional(LSTM(2)).runs_threaded_loops
    assert TimeDistributed(Conv1D(2, 3)).runs_threaded_loops
    assert not Dense(2).runs_threaded_loops and not Dropout(0.1).runs_threaded_loops
    asked, pinned = [], []
    real = kernels.step_blas_threads
    monkeypatch.setattr(kernels, "step_blas_threads", lambda threaded_loops=False: (
        asked.append(threaded_loops), real(threaded_loops))[1])
    x, y = np.ones((4, 6, 3), "float32"), np.ones((4, 1), "float32")
    for first, expected in [(Conv1D(2, 3), True), (Dense(2), False)]:
        model = mk.Sequential([mk.Input((6, 3)), first, mk.layers.Flatten(), Dense(1)])
        model.compile(loss="mse", optimizer="sgd")
        for step, args in [("train_on_batch", (x, y)), ("test_on_batch", (x, y)),
                           ("predict", (x,))]:
            asked.clear()
            getattr(model, step)(*args)
            assert asked and set(asked) == {expected}, (type(first).__name__, step, asked)
    if kernels.KERNELS == "numba" and plan.blas_pinnable():
        monkeypatch.setattr(blocks, "blas_threads", lambda threads: pinned.append(threads)
                            or contextlib.nullcontext())
        monkeypatch.setattr(plan, "free_threads", lambda: 2)
        real(True), real(False)
        assert pinned == [1, 2]


# ---- inference: predict's forward pass in one call ------------------------------------------
@settings(max_examples=50, deadline=None)
# a final h of 4.0e-3 (one unit, tanh gates): 1.2e-5 of it apart
@example(batch=1, steps=4, features=4, units=1, dtype=np.float32, with_bias=True, lstm=True,
         act=1, rec_act=1, seed=1)
@given(batch=st.integers(1, 4), steps=st.integers(1, 6), features=st.integers(1, 5),
       units=st.integers(1, 5), dtype=st.sampled_from([np.float32, np.float64]),
       with_bias=st.booleans(), lstm=st.booleans(), act=st.sampled_from(CODES),
       rec_act=st.sampled_from(CODES), seed=st.integers(0, 99))
def test_inference_twins_agree(batch, steps, features, units, dtype, with_bias, lstm, act,
                               rec_act, seed):
    assume(dtype == np.float64 or ((rec_act if lstm else act) not in UNBOUNDED_GATES
                                   and not (lstm and rec_act == 1 and act in UNBOUNDED_GATES)))
    rng = np.random.default_rng(seed)
    gates = 4 if lstm else 1
    x = rng.normal(size=(batch, steps, features)).astype(dtype)
    kernel = (rng.normal(size=(features, gates * units)) * 0.5).astype(dtype)
    bias = rng.normal(size=gates * units).astype(dtype) if with_bias else None
    recurrent = (rng.normal(size=(units, gates * units)) * 0.5).astype(dtype)
    h0, c0 = (rng.normal(size=(batch, units)).astype(dtype) for _ in range(2))
    h0_in, c0_in = h0.copy(), c0.copy()
    if lstm:
        args = (x, kernel, bias, recurrent, h0, c0, act, rec_act)
        mine, theirs = fast.lstm_inference(*args), ref.lstm_inference(*args)
        exact = lambda: ref.lstm_inference(*as_float64(args[:6]), act, rec_act)  # noqa: E731
    else:
        args = (x, kernel, bias, recurrent, h0, act)
        mine, theirs = fast.simple_rnn_inference(*args), ref.simple_rnn_inference(*args)
        exact = lambda: ref.simple_rnn_inference(*as_float64(args[:5]), act)  # noqa: E731
    names = ["outputs", "h", "c"][:len(mine)]
    assert_twins(names, mine, theirs, dtype, "inference", exact)
    assert np.array_equal(h0, h0_in) and np.array_equal(c0, c0_in)  # states in: unchanged


def test_inference_in_one_call_only_where_the_layer_would_run_one_gemm_per_step():
    assert plan.inference_in_one_call("lstm", 1, 30, 8, 64)  # W6's 1-sample predict
    assert plan.inference_in_one_call("simple_rnn", 4, 30, 8, 64)
    assert not plan.inference_in_one_call("lstm", 64, 30, 8, 64)  # threads, row blocks
    assert not plan.inference_in_one_call("lstm", 1, 30, 8, 4)  # the small-layer loop
    assert plan.inference_in_one_call("gru", 1, 30, 8, 64)
    assert not plan.inference_in_one_call("gru", 1, 30, 8, 4)  # the small-layer loop
    with pytest.raises(ValueError, match="cell='rnn'"):
        plan.inference_in_one_call("rnn", 1, 30, 8, 64)
    assert not plan.inference_in_one_call("lstm", 1, 4000, 64, 64)  # projection cut in slabs
    with plan.forced(loop="fused"):
        assert not plan.inference_in_one_call("lstm", 1, 30, 8, 64)
    with plan.forced(block_limit=64 * 256 - 1):  # a step's GEMM no longer one block
        assert not plan.inference_in_one_call("lstm", 1, 30, 8, 64)
    assert plan.inference_in_one_call("lstm", 1, 30, 8, 64)  # answers are kept per forced plan
    for batch, units in [(1, 64), (4, 64), (1, 128), (2, 100)]:  # it agrees with choose
        if plan.inference_in_one_call("lstm", batch, 30, 8, units):
            found = plan.choose("lstm", batch, units)
            assert found.loop == "gemm" and found.threads == 1
            assert batch * 4 * units * units <= found.block_limit
