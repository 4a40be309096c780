"""The numba twins of the conv, pooling, embedding and normalization kernels equal their NumPy
references: float32 and float64, odd shapes, batch 1, groups, strides, dilation, padding-sized
inputs, repeated indices."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minikeras import kernels
from minikeras.kernels import codes

NUMPY = kernels.load_path("numpy")
NUMBA = kernels.load_path("numba")
TOL = {np.float32: 2e-6, np.float64: 1e-13}


def assert_twins(name, *args):
    ref, fast = NUMPY[name](*args), NUMBA[name](*args)
    ref = ref if isinstance(ref, tuple) else (ref,)
    fast = fast if isinstance(fast, tuple) else (fast,)
    for k, (a, b) in enumerate(zip(ref, fast, strict=True)):
        assert a.shape == b.shape and a.dtype == b.dtype, f"{name}[{k}]: {b.shape} {b.dtype}"
        tol = TOL.get(a.dtype.type, 0.0)
        scale = max(float(np.max(np.abs(a))), 1.0) if a.size else 1.0
        np.testing.assert_allclose(b, a, rtol=0, atol=tol * scale, err_msg=f"{name}[{k}]")


@settings(max_examples=25, deadline=None)
@given(rank=st.sampled_from([1, 2]), batch=st.integers(1, 3), size=st.integers(3, 8),
       k=st.integers(1, 3), stride=st.integers(1, 3), dilation=st.integers(1, 2),
       groups=st.sampled_from([1, 2]), bias=st.booleans(),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**16),
       act=st.sampled_from([codes.LINEAR, codes.RELU, codes.TANH, codes.SIGMOID]))
def test_conv_twins(rank, batch, size, k, stride, dilation, groups, bias, dtype, seed, act):
    rng = np.random.default_rng(seed)
    if stride > 1:
        dilation = 1  # Keras forbids both
    spatial = (size, size + 1)[:rank] if rank == 2 else (size,)
    ksize = (k, max(1, k - 1))[:rank]
    if any(s < d * (kk - 1) + 1 for s, kk, d in zip(spatial, ksize, (dilation,) * rank,
                                                      strict=True)):
        return
    cin, filters = 2 * groups, 3 * groups
    x = rng.normal(size=(batch, *spatial, cin)).astype(dtype)
    kernel = rng.normal(size=(*ksize, cin // groups, filters)).astype(dtype)
    b = rng.normal(size=filters).astype(dtype) if bias else None
    strides, dilations = (stride,) * rank, (dilation,) * rank
    z = NUMPY["conv_forward"](x, kernel, b, strides, dilations, groups)
    assert_twins("conv_forward", x, kernel, b, strides, dilations, groups)
    dz = rng.normal(size=z.shape).astype(dtype)
    assert_twins("conv_backward", dz, x, kernel, strides, dilations, groups)
    # an activation inside the kernels: y = act(z) forward, dz = act'(z) * dy from y backward
    y = NUMPY["conv_forward"](x, kernel, b, strides, dilations, groups, act)
    assert_twins("conv_forward", x, kernel, b, strides, dilations, groups, act)
    assert_twins("conv_backward", dz, x, kernel, strides, dilations, groups, True, act, y)
    # need_dx=False (a model's first layer): dx None, the same weight gradients, same bits
    full = NUMBA["conv_backward"](dz, x, kernel, strides, dilations, groups)
    for path in (NUMPY, NUMBA):
        dx, dkernel, dbias = path["conv_backward"](dz, x, kernel, strides, dilations, groups,
                                                   need_dx=False)
        assert dx is None
        if path is NUMBA:
            np.testing.assert_array_equal(dkernel, full[1])
            np.testing.assert_array_equal(dbias, full[2])
        else:
            np.testing.assert_allclose(dkernel, full[1], rtol=0,
                                       atol=TOL[dtype] * max(1.0, np.abs(full[1]).max()))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, pool, strides", [((1, 7, 3), (2,), (2,)),
                                                  ((2, 9, 2), (3,), (1,)),
                                                  ((2, 5, 7, 3), (2, 3), (2, 1)),
                                                  ((1, 4, 4, 1), (4, 4), (1, 1)),
                                                  ((2, 7, 9, 3), (2, 2), (2, 2)),
                                                  ((2, 6, 7, 2), (3, 2), (3, 2)),
                                                  ((2, 4, 5, 3, 2), (2, 2, 2), (1, 2, 1))])
def test_pooling_twins(shape, pool, strides, dtype, rng):
    x = rng.normal(size=shape).astype(dtype)
    x.reshape(-1)[::5] = 0.0
    x.reshape(-1)[1::5] = 0.0  # ties
    y, arg = NUMPY["max_pool_forward"](x, pool, strides)
    assert_twins("max_pool_forward", x, pool, strides)
    dy = rng.normal(size=y.shape).astype(dtype)
    dy.reshape(-1)[::3] = -0.0
    assert_twins("max_pool_backward", dy, arg, x.shape, pool, strides)
    if tuple(pool) == tuple(strides):  # written once, unzeroed: the same bits, zeros' signs too
        ref = NUMPY["max_pool_backward"](dy, arg, x.shape, pool, strides)
        fast = NUMBA["max_pool_backward"](dy, arg, x.shape, pool, strides)
        np.testing.assert_array_equal(fast.view(f"u{fast.itemsize}"),
                                      ref.view(f"u{ref.itemsize}"))
    assert_twins("max_pool_backward_ties", dy, x, y, pool, strides)
    count = rng.integers(1, int(np.prod(pool)) + 1, size=y.shape[1:-1])
    assert_twins("avg_pool_forward", x, pool, strides, count)
    assert_twins("avg_pool_backward", dy, x.shape, pool, strides, count)


@pytest.mark.parametrize("threaded", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_embedding_twins(dtype, threaded, rng, monkeypatch):
    """threaded: the numba row updates take their big-table path (row chunks over threads)
    on this small table too; each element's update is the same expression, so the numba
    results are the same bits either way."""
    from minikeras.kernels.numba_fast import embedding

    serial = {}
    if threaded:
        monkeypatch.setattr(embedding, "THREADED_SIZE", 0)
        serial = {name: getattr(embedding, name) for name in
                  ("adam_update_rows", "rmsprop_update_rows", "adagrad_update_rows")}
    table = rng.normal(size=(7, 3)).astype(dtype)
    indices = rng.integers(0, 7, size=23)
    dy = rng.normal(size=(23, 3)).astype(dtype)
    assert_twins("embedding_forward", table, indices)
    assert_twins("embedding_backward", dy, indices, 7)
    grad = NUMPY["embedding_backward"](dy, indices, 7)
    square = NUMPY["embedding_backward"](dy * dy, indices, 7)
    for name, slots, scalars in [
            ("adam_update_rows", 2, (0.01, 0.9, 0.999, 1e-7)),
            ("rmsprop_update_rows", 3, (0.01, 0.9, 0.5, 1e-7)),
            ("adagrad_update_rows", 1, (0.1, 1e-7))]:
        for amsgrad in ([False, True] if name == "adam_update_rows" else [False]):
            # slots >= 0, the first (a second moment) larger than the rest squared
            start = [table.copy()] + [(np.abs(rng.normal(size=table.shape)) * 0.1
                                       + (i == 0)).astype(dtype) for i in range(slots)]
            results = []
            for path in (NUMPY, NUMBA):
                arrays = [a.copy() for a in start]
                extra = ([arrays[0].copy() * 0 + 1] if amsgrad else [None]) \
                    if name == "adam_update_rows" else []
                path[name](arrays[0], grad, square, *arrays[1:], *extra, *scalars)
                results.append(arrays)
            for a, b in zip(*results, strict=True):
                np.testing.assert_allclose(b, a, rtol=TOL[dtype], atol=TOL[dtype], err_msg=name)
            if threaded:  # the calling thread's loop, THREADED_SIZE restored
                with monkeypatch.context() as m:
                    m.setattr(embedding, "THREADED_SIZE", 1 << 62)
                    arrays = [a.copy() for a in start]
                    serial[name](arrays[0], grad, square, *arrays[1:], *extra, *scalars)
                for a, b in zip(arrays, results[1], strict=True):
                    assert np.array_equal(a, b), name


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows, features", [(1, 3), (7, 5), (33, 2)])
def test_normalization_twins(rows, features, dtype, rng):
    x = (rng.normal(size=(rows, features)) * 3 + 1).astype(dtype)
    dy = rng.normal(size=x.shape).astype(dtype)
    gamma, beta = (rng.normal(size=features).astype(dtype) for _ in range(2))
    assert_twins("batch_norm_moments", x)
    mean, variance = NUMPY["batch_norm_moments"](x)
    for g, b in [(gamma, beta), (None, None)]:
        assert_twins("batch_norm_forward", x, mean, variance, g, b, 1e-3)
        for training in (True, False):
            assert_twins("batch_norm_backward", dy, x, mean, variance, g, 1e-3, training)
        assert_twins("layer_norm_forward", x, g, b, 1e-3)
        assert_twins("layer_norm_backward", dy, x, g, 1e-3)


@pytest.mark.parametrize("block_limit", [None, 50])
@pytest.mark.parametrize("groups", [1, 2])
def test_conv_twins_in_slabs(monkeypatch, block_limit, groups):
    """Many slabs (one sample each), GEMMs whole or cut into row blocks: still the reference's
    numbers, and the same bits on 1 thread and on 2 (the slabs, not the threads, fix the sums).
    """
    from minikeras.kernels import plan

    monkeypatch.setattr(plan, "CONV_SLAB_ROWS", 1)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(9, 7, 6, 2 * groups)).astype(np.float32)
    kernel = rng.normal(size=(3, 2, 2, 4 * groups)).astype(np.float32)
    b = rng.normal(size=4 * groups).astype(np.float32)
    dz = rng.normal(size=(9, 5, 5, 4 * groups)).astype(np.float32)
    runs = []
    for threads in (1, 2):
        with plan.forced(block_limit=block_limit, threads=threads):
            assert_twins("conv_forward", x, kernel, b, (1, 1), (1, 1), groups)
            assert_twins("conv_backward", dz, x, kernel, (1, 1), (1, 1), groups)
            runs.append(NUMBA["conv_backward"](dz, x, kernel, (1, 1), (1, 1), groups))
    for a, c in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("rows", [0, 7])
def test_embedding_row_updates_in_chunks_with_absent_slots(rows, rng, monkeypatch):
    """The chunked (threaded) row updates with the slots Keras's defaults leave out (RMSprop
    without centered/momentum, Adam without amsgrad: None) and on an empty table: the
    calling thread's loop, bit for bit."""
    from minikeras.kernels.numba_fast import embedding

    table, grad, square, slot_1, slot_2 = (rng.random((rows, 3)).astype(np.float32)
                                           for _ in range(5))
    calls = {"rmsprop_update_rows": lambda a: (a[0], grad, square, a[1], None, None, 0.01, 0.9,
                                               0.0, 1e-7),
             "adam_update_rows": lambda a: (a[0], grad, square, a[1], a[2], None, 0.01, 0.9,
                                            0.999, 1e-7)}
    for name, arguments in calls.items():
        results = []
        for threaded_size in (0, 1 << 62):  # chunks over threads; the calling thread
            monkeypatch.setattr(embedding, "THREADED_SIZE", threaded_size)
            arrays = [table.copy(), slot_1.copy(), slot_2.copy()]
            getattr(embedding, name)(*arguments(arrays))
            results.append(arrays)
        for a, b in zip(*results, strict=True):
            assert np.array_equal(a, b), name
        if rows:
            assert not np.array_equal(results[0][0], table), name  # it did update



@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("noise_shape", [None, (3, 1, 5)])
@pytest.mark.parametrize("rate", [0.0, 0.3, 1.0])
def test_dropout_twins_bit_for_bit(dtype, noise_shape, rate, rng):
    """The one-pass loop gives NumPy's where(keep, x * scale, 0) bits, with a dropped inf or
    nan giving 0 and -0.0 kept as -0.0; a broadcast mask runs the reference."""
    x = rng.normal(size=(3, 4, 5)).astype(dtype)
    x[0, 0, :4] = [np.inf, np.nan, -0.0, -np.inf]
    keep = rng.random(noise_shape or x.shape) >= 0.4
    keep[0, 0, :2] = False
    ref = NUMPY["dropout_forward"](x, keep, rate)
    fast = NUMBA["dropout_forward"](x, keep, rate)
    assert fast.dtype == ref.dtype == x.dtype and fast.shape == x.shape
    np.testing.assert_array_equal(fast.view(np.uint8), ref.view(np.uint8))
    if rate < 1:
        assert ref[0, 0, 0] == 0 and ref[0, 0, 1] == 0  # dropped inf / nan
