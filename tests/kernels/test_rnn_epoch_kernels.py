"""lstm_dense_epoch: the NumPy reference and the numba twin train the same epoch, and run the
same inference (train=False)."""

import numpy as np
import pytest
from helpers import assert_close

from minikeras import kernels
from minikeras.kernels import plan

NUMPY = kernels.load_path("numpy")["lstm_dense_epoch"]
NUMBA = kernels.load_path("numba")["lstm_dense_epoch"]
TOL = {np.float32: 2e-5, np.float64: 1e-12}


FUSED = plan.Plan("fused", 1, plan.SINGLE_THREAD_MACS)


def _problem(dtype, n, steps, features, u, dense_sizes, loss_code, opt_code, acts, lstm_codes,
             batch_size=4, seed=0, loop=FUSED):
    """Random weights and data; params = LSTM kernel, recurrent kernel, bias, then Dense."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, steps, features)).astype(dtype)
    units = dense_sizes[-1]
    labels = np.zeros(n, dtype=np.int64)
    if loss_code == 0:
        y = (rng.random((n, units)) > 0.5).astype(dtype)
    else:
        y = rng.standard_normal((n, units)).astype(dtype)
    lstm_layout = [0, features * 4 * u, features * 4 * u + u * 4 * u, features, u]
    offset = lstm_layout[2] + 4 * u
    layout = []
    for fan_in, fan_out in zip([u, *dense_sizes[:-1]], dense_sizes, strict=True):
        layout.append([offset, offset + fan_in * fan_out, fan_in, fan_out])
        offset += fan_in * fan_out + fan_out
    params = (rng.standard_normal(offset) * 0.5).astype(dtype)
    order = rng.permutation(n).astype(np.int64)
    constants = {0: [0.05, 0.9, 1.0], 1: [0.9, 0.999, 1e-7], 2: [0.01, 0.9, 1e-7]}[opt_code]
    count = -(-n // batch_size)
    alphas = 0.01 * np.sqrt(1 - 0.999 ** np.arange(1, count + 1)) / (
        1 - 0.9 ** np.arange(1, count + 1))
    return dict(x=x, y=y, labels=labels, order=order, batch_size=batch_size, params=params,
                lstm_layout=np.array(lstm_layout, dtype=np.int64),
                lstm_codes=np.array(lstm_codes, dtype=np.int64),
                layout=np.array(layout, dtype=np.int64), act_codes=np.array(acts, dtype=np.int64),
                loss_code=loss_code, epsilon=1e-7, opt_code=opt_code,
                opt_constants=np.array(constants),
                step_scalars=alphas, opt_state_1=np.zeros(offset, dtype),
                opt_state_2=np.zeros(offset, dtype), logits_out=np.zeros((n, units), dtype),
                values_out=np.zeros(n, dtype), train=True, plan=loop)


def _run(kernel, problem):
    args = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in problem.items()}
    count = kernel(**args)
    return count, args


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loss_code,acts", [(3, [0]), (4, [2]), (0, [1, 0]), (3, [2, 1, 0])])
@pytest.mark.parametrize("opt_code", [0, 1, 2])
@pytest.mark.parametrize("batch_size", [1, 4])
def test_twins_agree(dtype, loss_code, acts, opt_code, batch_size):
    sizes = {1: [1], 2: [3, 2], 3: [5, 3, 2]}[len(acts)]
    problem = _problem(dtype, 11, 3, 2, 4, sizes, loss_code, opt_code, acts, [1, 2, 0],
                       batch_size=batch_size)
    count_ref, ref = _run(NUMPY, problem)
    count_fast, fast = _run(NUMBA, problem)
    assert count_ref == count_fast == -(-11 // batch_size)
    for name in ("params", "opt_state_1", "opt_state_2", "logits_out", "values_out"):
        assert_close(fast[name], ref[name], TOL[dtype], name)
    assert not np.array_equal(ref["params"], problem["params"]), "the epoch changed nothing"
    lstm_end = problem["lstm_layout"][2] + 4 * 4
    assert not np.array_equal(ref["params"][:lstm_end], problem["params"][:lstm_end]), \
        "the LSTM's weights did not train"


@pytest.mark.parametrize("lstm_codes", [[1, 2, 0], [3, 4, 1], [0, 2, 1]])
def test_twins_agree_for_other_lstm_activations(lstm_codes):
    problem = _problem(np.float64, 9, 4, 3, 3, [1], 3, 1, [0], lstm_codes)
    _, ref = _run(NUMPY, problem)
    _, fast = _run(NUMBA, problem)
    for name in ("params", "opt_state_1", "opt_state_2", "logits_out", "values_out"):
        assert_close(fast[name], ref[name], TOL[np.float64], name)


def test_the_epoch_is_the_layers_train_step():
    """One batch of the reference epoch == LSTM.forward/backward + Dense + mse + SGD by hand."""
    from minikeras.kernels.numpy_ref import rnn

    problem = _problem(np.float64, 4, 3, 2, 2, [1], 3, 0, [0], [1, 2, 0], batch_size=4)
    problem["opt_constants"] = np.array([0.1, 0.0, 0.0])
    _, ref = _run(NUMPY, problem)
    p = problem["params"]
    kernel, recurrent, bias = p[:16].reshape(2, 8), p[16:32].reshape(2, 8), p[32:40]
    dense_kernel, dense_bias = p[40:42].reshape(2, 1), p[42:43]
    x, y = problem["x"][problem["order"]], problem["y"][problem["order"]]
    xz = x @ kernel + bias
    zeros, ones = np.zeros((4, 2)), np.ones((4, 3))
    outputs, _, _, *cache = rnn.lstm_forward(xz, recurrent, zeros, zeros, ones,
                                             np.ones((4, 4, 2)), 1, 2, False)
    pred = outputs[:, -1] @ dense_kernel + dense_bias
    dpred = 2 * (pred - y) / 4
    doutputs = np.zeros((4, 3, 2))
    doutputs[:, -1] = dpred @ dense_kernel.T
    dxz, drecurrent, _, _ = rnn.lstm_backward(doutputs, zeros, zeros, recurrent, ones,
                                              np.ones((4, 4, 2)), *cache, 1, 2, False)
    grads = np.concatenate([np.einsum("btf,btg->fg", x, dxz).ravel(), drecurrent.ravel(),
                            dxz.sum(axis=(0, 1)), (outputs[:, -1].T @ dpred).ravel(),
                            dpred.sum(axis=0)])
    assert_close(ref["params"], p - 0.1 * grads, 1e-12, "params after one SGD step")
    assert_close(ref["values_out"], ((pred - y) ** 2)[:, 0], 1e-12, "per-sample losses")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("limit", [4 * 65536, 1])
@pytest.mark.parametrize("batch_size", [1, 4, 7])
def test_twins_agree_on_the_gemm_loops(dtype, limit, batch_size):
    """A "gemm" plan: every batch takes rnn_gemm.py's loops and the threaded projection
    kernels (limit 1, forced, so the projection's too: one-row GEMM blocks, several slabs),
    as a large LSTM would."""
    problem = _problem(dtype, 11, 3, 2, 4, [3, 1], 3, 1, [1, 0], [1, 2, 0],
                       batch_size=batch_size, loop=plan.Plan("gemm", 2, limit))
    _, ref = _run(NUMPY, problem)
    with plan.forced(block_limit=limit):  # the projection's limit comes from projection_split
        _, fast = _run(NUMBA, problem)
    for name in ("params", "opt_state_1", "opt_state_2", "logits_out", "values_out"):
        assert_close(fast[name], ref[name], TOL[dtype], name)
    fused = _run(NUMBA, {**problem, "plan": FUSED})[1]
    assert_close(fast["params"], fused["params"], TOL[dtype], "gemm vs fused loops")


def test_twins_agree_on_the_gemm_loops_for_other_lstm_activations():
    problem = _problem(np.float64, 9, 4, 3, 3, [1], 3, 1, [0], [3, 4, 1], batch_size=4,
                       loop=plan.Plan("gemm", 2, 1))
    _, ref = _run(NUMPY, problem)
    _, fast = _run(NUMBA, problem)
    for name in ("params", "opt_state_1", "opt_state_2", "logits_out", "values_out"):
        assert_close(fast[name], ref[name], TOL[np.float64], name)


@pytest.mark.parametrize("loop", ["numpy"])
def test_a_plan_the_epoch_cannot_run_is_refused(loop):
    """The epoch kernel runs the fused or the GEMM time loops; any other plan is a ValueError
    naming it (kernels.plan.epoch_plan never gives one)."""
    problem = _problem(np.float64, 9, 3, 2, 4, [1], 3, 1, [0], [1, 2, 0], batch_size=4,
                       loop=plan.Plan(loop, 1, plan.SINGLE_THREAD_MACS))
    with pytest.raises(ValueError, match=f"plan.loop='{loop}'"):
        _run(NUMBA, problem)


# ---- inference: train=False -------------------------------------------------------------------
def _inference(problem, batch_size):
    """The problem's arguments for an inference call: rows in order, nothing to train."""
    n = problem["x"].shape[0]
    args = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in problem.items()}
    args.update(order=np.arange(n, dtype=np.int64), batch_size=batch_size, train=False)
    return args


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loss_code,acts", [(3, [0]), (4, [2]), (0, [1, 0]), (1, [2, 0])])
@pytest.mark.parametrize("batch_size", [1, 4, 50])
@pytest.mark.parametrize("loop", [FUSED, plan.Plan("gemm", 2, 4 * 65536),
                                  plan.Plan("gemm", 2, 1)], ids=["fused", "gemm", "gemm-rows"])
def test_inference_twins_agree_and_change_nothing(dtype, loss_code, acts, batch_size, loop):
    sizes = {1: [1], 2: [3, 2]}[len(acts)]
    if loss_code == 1:
        sizes = [3, 4]
    problem = _problem(dtype, 13, 3, 2, 4, sizes, loss_code, 1, acts, [1, 2, 0], loop=loop)
    if loss_code == 1:  # categorical crossentropy: one-hot targets
        problem["y"] = np.eye(4, dtype=dtype)[np.arange(13) % 4]
    ref, fast = _inference(problem, batch_size), _inference(problem, batch_size)
    assert NUMPY(**ref) == NUMBA(**fast) == -(-13 // batch_size)
    for name in ("logits_out", "values_out"):
        assert_close(fast[name], ref[name], TOL[dtype], name)
    assert np.all(ref["logits_out"] != 0) and np.all(ref["values_out"] != 0)
    for name in ("params", "opt_state_1", "opt_state_2"):  # inference updates nothing
        assert np.array_equal(fast[name], problem[name]), name
        assert np.array_equal(ref[name], problem[name]), name


@pytest.mark.parametrize("loop", [FUSED, plan.Plan("gemm", 2, 4 * 65536)], ids=["fused", "gemm"])
def test_inference_is_the_epochs_forward_pass(loop):
    """Logits and losses of an inference call = the training call's, when one batch holds
    every row (the training call computes them before its only update): bit for bit."""
    problem = _problem(np.float32, 9, 4, 3, 5, [3, 1], 3, 1, [1, 0], [1, 2, 0], batch_size=9,
                       loop=loop)
    problem["order"] = np.arange(9, dtype=np.int64)
    _, trained = _run(NUMBA, problem)
    args = _inference(problem, 9)
    NUMBA(**args)
    assert_close(args["logits_out"], trained["logits_out"], 0, "logits")
    assert_close(args["values_out"], trained["values_out"], 0, "values")
