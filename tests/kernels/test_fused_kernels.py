"""dense_stack_epoch: the NumPy reference and the numba twin train the same epoch."""

import numpy as np
import pytest
from helpers import assert_close
from hypothesis import given, settings
from hypothesis import strategies as st

from minikeras import kernels
from minikeras.kernels.codes import LINEAR, RELU, SIGMOID

NUMPY = kernels.load_path("numpy")["dense_stack_epoch"]
NUMBA = kernels.load_path("numba")["dense_stack_epoch"]
TOL = {np.float32: 2e-5, np.float64: 1e-12}
ACTS = (LINEAR, RELU, SIGMOID)  # the activations the fused Dense kernels compute


def _problem(dtype, n, sizes, loss_code, opt_code, acts, seed=0, contiguous=True,
             dropout=False):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, sizes[0] * 2)).astype(dtype)
    x = np.ascontiguousarray(x[:, ::2]) if contiguous else x[:, ::2]
    units = sizes[-1]
    labels = rng.integers(0, units, n).astype(np.int64)
    if loss_code == 0:
        y = (rng.random((n, units)) > 0.5).astype(dtype)
    elif loss_code == 1:
        y = np.eye(units, dtype=dtype)[labels]
    else:
        y = rng.standard_normal((n, units)).astype(dtype)
    layout, offset = [], 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        layout.append([offset, offset + fan_in * fan_out, fan_in, fan_out])
        offset += fan_in * fan_out + fan_out
    params = (rng.standard_normal(offset) * 0.5).astype(dtype)
    order = rng.permutation(n).astype(np.int64)
    hyper = {0: [0.05, 0.9, 1.0], 1: [0.9, 0.999, 1e-7], 2: [0.01, 0.9, 1e-7]}[opt_code]
    steps = -(-n // 4)
    alphas = 0.01 * np.sqrt(1 - 0.999 ** np.arange(1, steps + 1)) / (
        1 - 0.9 ** np.arange(1, steps + 1))
    drop_cols = np.full(len(layout), -1, dtype=np.int64)
    columns = 0
    for layer in range(len(layout) - 1) if dropout else ():  # a dropout after every hidden one
        drop_cols[layer] = columns
        columns += sizes[layer + 1]
    keep = (rng.random((n, columns)) >= 0.3).astype(np.uint8)
    return dict(x=x, y=y, labels=labels, order=order, batch_size=4, params=params,
                layout=np.array(layout, dtype=np.int64),
                act_codes=np.array(acts, dtype=np.int64), drop_cols=drop_cols,
                drop_rates=np.full(len(layout), 0.3), keep=keep, loss_code=loss_code, epsilon=1e-7,
                opt_code=opt_code, hyper=np.array(hyper), step_scalars=alphas,
                slot_1=np.zeros(offset, dtype), slot_2=np.zeros(offset, dtype),
                logits_out=np.zeros((n, units), dtype), values_out=np.zeros(n, dtype),
                train=True)


def _run(kernel, problem):
    args = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in problem.items()}
    steps = kernel(**args)
    return steps, args


def _check_twins(problem, dtype, expect_change=True):
    steps_ref, ref = _run(NUMPY, problem)
    steps_fast, fast = _run(NUMBA, problem)
    assert steps_ref == steps_fast == -(-problem["order"].shape[0] // problem["batch_size"])
    for name in ("params", "slot_1", "slot_2", "logits_out", "values_out"):
        assert_close(fast[name], ref[name], TOL[dtype], name)
    if expect_change:  # (a dead relu unit can legitimately leave random shapes unchanged)
        assert not np.array_equal(ref["params"], problem["params"]), "the epoch changed nothing"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loss_code", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("opt_code", [0, 1, 2])
def test_twins_agree(dtype, loss_code, opt_code):
    acts = [RELU, SIGMOID, LINEAR] if loss_code <= 2 else [RELU, LINEAR, SIGMOID]
    problem = _problem(dtype, 13, [3, 5, 4, 3], loss_code, opt_code, acts,
                       contiguous=loss_code % 2 == 0, dropout=opt_code == 1)
    _check_twins(problem, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_twins_agree_batch_of_one_sample(dtype):
    problem = _problem(dtype, 1, [2, 1], 3, 1, [LINEAR], dropout=True)
    _check_twins(problem, dtype)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 30), hidden=st.lists(st.integers(1, 9), min_size=0, max_size=3),
       loss_code=st.integers(0, 4), opt_code=st.integers(0, 2), seed=st.integers(0, 99))
def test_twins_agree_over_shapes(n, hidden, loss_code, opt_code, seed):
    units = 3 if loss_code in (1, 2) else 2
    acts = [ACTS[(seed + i) % 3] for i in range(len(hidden))]
    acts += [LINEAR if loss_code <= 2 else ACTS[seed % 3]]
    problem = _problem(np.float64, n, [4, *hidden, units], loss_code, opt_code, acts, seed,
                       dropout=seed % 2 == 0)
    _check_twins(problem, np.float64, expect_change=False)


def _inference(problem, batch_size):
    """The problem's arguments for an inference call (train=False, no dropout)."""
    n, units = problem["logits_out"].shape
    args = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in problem.items()}
    args.update(order=np.arange(n, dtype=np.int64), batch_size=batch_size,
                drop_cols=np.full(len(problem["layout"]), -1, dtype=np.int64), train=False)
    return args


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loss_code", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("batch_size", [1, 4, 50])
def test_inference_twins_agree_and_change_nothing(dtype, loss_code, batch_size):
    acts = [RELU, SIGMOID, LINEAR] if loss_code <= 2 else [RELU, LINEAR, SIGMOID]
    problem = _problem(dtype, 13, [3, 5, 4, 3], loss_code, 1, acts,
                       contiguous=batch_size != 4)
    ref, fast = _inference(problem, batch_size), _inference(problem, batch_size)
    steps = -(-13 // batch_size)
    assert NUMPY(**ref) == NUMBA(**fast) == steps
    for name in ("logits_out", "values_out"):
        assert_close(fast[name], ref[name], TOL[dtype], name)
    assert np.any(ref["logits_out"] != 0) and np.all(ref["values_out"] != 0)
    for name in ("params", "slot_1", "slot_2"):  # inference updates nothing
        assert np.array_equal(fast[name], problem[name]), name
        assert np.array_equal(ref[name], problem[name]), name


def test_inference_is_the_epochs_forward_pass():
    """Logits of an inference call = the training call's logits before its first update."""
    problem = _problem(np.float64, 9, [3, 5, 2], 3, 0, [RELU, LINEAR], dropout=False)
    problem["order"] = np.arange(9, dtype=np.int64)
    problem["batch_size"] = 9
    _, trained = _run(NUMBA, problem)
    args = _inference(problem, 9)
    NUMBA(**args)
    assert_close(args["logits_out"], trained["logits_out"], 0, "logits")
    assert_close(args["values_out"], trained["values_out"], 0, "values")



def test_one_epoch_kernel_for_every_loss_and_both_stay_cached(tmp_path):
    """The loss is a compiled function the epoch kernel takes as an argument (its type is the
    same for every loss): a bce fit, its evaluate and predict, then an mse fit run ONE
    specialization of the epoch kernel and compile the two losses alone; in the next process
    all of it loads from numba's on-disk cache (no recompile), as the warm-cache Pima run and
    its variants rely on."""
    import os
    import subprocess
    import sys

    code = (
        "import numpy as np\n"
        "from minikeras import Input, Sequential\n"
        "from minikeras.layers import Dense\n"
        "from minikeras.kernels.numba_fast import fused\n"
        "x, y = np.ones((8, 3), 'float32'), np.ones(8, 'float32')\n"
        "for loss in ('binary_crossentropy', 'mse'):\n"
        "    m = Sequential([Input((3,)), Dense(2, activation='relu'),\n"
        "                    Dense(1, activation='sigmoid')])\n"
        "    m.compile('adam', loss)\n"
        "    m.fit(x, y, epochs=1, verbose=0)\n"
        "    m.evaluate(x, y, verbose=0)\n"
        "    m.predict(x[:1], verbose=0)  # fit's kernel: nothing new\n"
        "def stats(kernel):\n"
        "    return (len(kernel.signatures), sum(kernel.stats.cache_hits.values()),\n"
        "            sum(kernel.stats.cache_misses.values()))\n"
        "losses = [fused.LOSS_KERNELS[c] for c in (0, 3)]\n"
        "print(stats(fused._dense_stack_epoch), [stats(k) for k in losses],\n"
        "      sorted(len(k.signatures) for k in fused.LOSS_KERNELS.values()))\n")
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), MINIKERAS_KERNELS="numba")
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                           check=True).stdout.split("\n")[-2] for _ in range(2)]
    # first run: one epoch specialization compiled, bce and mse compiled, the others untouched
    assert runs[0] == "(1, 0, 1) [(1, 0, 1), (1, 0, 1)] [0, 0, 0, 1, 1]", runs
    # second run: every one of them loaded from the cache
    assert runs[1] == "(1, 1, 0) [(1, 1, 0), (1, 1, 0)] [0, 0, 0, 1, 1]", runs
