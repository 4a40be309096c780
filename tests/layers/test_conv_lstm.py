"""ConvLSTM1D/2D/3D: Keras parity per argument combination (outputs, final states, dx,
d(initial states) and every weight gradient, float32 and float64), with masks, initial states
and injected dropout masks; float64 finite differences; numba == NumPy kernels;
channels_first == channels_last on transposed data; config and weights as Keras's; bad
arguments and inputs. Model-level parity (one optimizer step, 20 training steps) is in
tests/parity/test_layer_cases.py, saving in tests/test_saving_conv_layers.py."""

import numpy as np
import pytest
from helpers import FD, assert_close, numeric_grad, use_dtype
from rnn_parity import TOL, keras_run, mine_run, twins

from minikeras import kernels, layers

keras = pytest.importorskip("keras")

CASES = [  # (class, input shape (batch, T, *step), kwargs, options)
    ("ConvLSTM2D", (2, 4, 7, 6, 3), dict(filters=3, kernel_size=3, padding="same",
                                         return_sequences=True), {}),
    ("ConvLSTM2D", (2, 4, 7, 6, 3), dict(filters=2, kernel_size=3), {}),
    ("ConvLSTM2D", (3, 3, 8, 7, 2), dict(filters=2, kernel_size=(2, 3), strides=2,
                                         return_state=True), {}),
    ("ConvLSTM2D", (2, 5, 6, 6, 2), dict(filters=3, kernel_size=2, padding="same",
                                         strides=(2, 1), go_backwards=True,
                                         return_sequences=True), {}),
    ("ConvLSTM2D", (2, 3, 7, 7, 2), dict(filters=2, kernel_size=3, dilation_rate=2,
                                         use_bias=False, activation="relu",
                                         recurrent_activation="hard_sigmoid"), {}),
    ("ConvLSTM2D", (3, 5, 5, 4, 2), dict(filters=2, kernel_size=(3, 2), padding="same",
                                         return_sequences=True, return_state=True),
     dict(initial=True, masked=True)),
    ("ConvLSTM2D", (2, 4, 6, 5, 3), dict(filters=2, kernel_size=3, padding="same",
                                         dropout=0.3, recurrent_dropout=0.4,
                                         return_sequences=True), dict(drop_masks=True)),
    ("ConvLSTM1D", (2, 5, 9, 3), dict(filters=4, kernel_size=3, padding="same",
                                      return_sequences=True, go_backwards=True), {}),
    ("ConvLSTM1D", (3, 4, 8, 2), dict(filters=2, kernel_size=2, strides=2, dropout=0.5,
                                      return_state=True), dict(drop_masks=True, masked=True)),
    ("ConvLSTM3D", (2, 3, 4, 5, 4, 2), dict(filters=2, kernel_size=2, padding="same",
                                            return_sequences=True), {}),
]
WORST = {}  # (case, dtype) -> worst relative error; printed by the last test (pytest -s)


def _label(case):
    cls, shape, kwargs, options = case
    return f"{cls}{shape}-" + ",".join(f"{k}={v}" for k, v in {**kwargs, **options}.items())


def _inputs(mine, shape, dtype, rng, initial=False, masked=False, drop_masks=False):
    batch, steps = shape[:2]
    x = rng.normal(size=shape).astype(dtype)
    out = mine.compute_output_shape(shape)
    out = out if isinstance(out, list) else [out]
    dys = [rng.normal(size=s).astype(dtype) for s in out]
    init = ([rng.normal(size=s).astype(dtype) for s in mine.state_shapes(batch)]
            if initial else None)
    mask = None
    if masked:
        mask = rng.random((batch, steps)) > 0.3
        mask[0, 0] = mask[-1, -1] = False
    masks = None
    if drop_masks:
        keep = lambda shape, rate: ((rng.random((4, *shape)) >= rate) / (1 - rate)  # noqa: E731
                                    ).astype(dtype)
        in_rate, rec_rate = mine.dropout, mine.recurrent_dropout
        masks = (keep((batch, *shape[2:]), in_rate) if in_rate else None,
                 keep(mine.state_shapes(batch)[0], rec_rate) if rec_rate else None, 4)
    return x, dys, init, mask, masks


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=_label)
def test_matches_keras(case, dtype, rng):
    cls, shape, kwargs, options = case
    mine, theirs = twins(getattr(layers, cls), getattr(keras.layers, cls), (None, *shape[1:]),
                         dtype, rng, **kwargs)
    x, dys, init, mask, masks = _inputs(mine, shape, dtype, rng, **options)
    training = masks is not None
    if training:  # Keras's cell caches one list per side; a side without dropout has none
        theirs.cell._dropout_mask = None if masks[0] is None else list(masks[0])
        theirs.cell._recurrent_dropout_mask = None if masks[1] is None else list(masks[1])
        mine.set_dropout_masks(masks[0], masks[1])
    outs_k, grads_k = keras_run(theirs, x, dys, init, mask, training)
    outs_m, grads_m = mine_run(mine, x, dys, init, mask, training)
    names = [f"output{k}" for k in range(len(outs_k))] + ["dx"] + \
        [f"dstate{k}" for k in range(len(init or []))] + \
        [f"d{w.name}" for w in mine.trainable_weights]
    worst = 0.0
    for name, a, b in zip(names, [*outs_m, *grads_m], [*outs_k, *grads_k], strict=True):
        assert a.dtype == np.dtype(dtype), f"{name}: dtype {a.dtype}"
        assert_close(a, b, TOL[dtype], f"{_label(case)} {dtype} {name}")
        worst = max(worst, float(np.max(np.abs(a.astype(np.float64) - b)))
                    / max(float(np.max(np.abs(b))), 1e-30))
    WORST[_label(case), dtype] = worst


@pytest.mark.parametrize("case", [CASES[2], CASES[5], CASES[6], CASES[8]], ids=_label)
def test_backward_matches_finite_differences(case, rng):
    cls, shape, kwargs, options = case
    shape = (2, 3, *shape[2:])
    use_dtype("float64")
    layer = getattr(layers, cls)(**kwargs)
    layer.build_from_shape((None, *shape[1:]))
    for w in layer.weights:  # C order: numeric_grad perturbs through a flat view
        w.value = np.ascontiguousarray(rng.uniform(-0.6, 0.6, size=w.shape))
    x, dys, init, mask, masks = _inputs(layer, shape, "float64", rng, **options)
    training = masks is not None
    if training:
        layer.set_dropout_masks(masks[0], masks[1])

    def loss():
        out = layer(x, initial_state=init, mask=mask, training=training)
        outs = out if isinstance(out, list) else [out]
        return float(sum(np.sum(o * d) for o, d in zip(outs, dys, strict=True)))

    _, grads = mine_run(layer, x, dys, init, mask, training)
    targets = [x, *(init or []), *[w.value for w in layer.trainable_weights]]
    for k, (grad, target) in enumerate(zip(grads, targets, strict=True)):
        assert_close(grad, numeric_grad(loss, target), FD, f"{_label(case)} grad {k}")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n_masks", [1, 4])
def test_numba_kernels_equal_numpy(dtype, n_masks, rng):
    ref, fast = kernels.load_path("numpy"), kernels.load_path("numba")
    batch, steps, f = 2, 3, 3
    x = rng.normal(size=(batch, steps, 7, 6, 2)).astype(dtype)
    kernel = rng.normal(size=(3, 2, 2, 4 * f)).astype(dtype)
    rk = rng.normal(size=(3, 2, f, 4 * f)).astype(dtype) * 0.3
    bias = rng.normal(size=4 * f).astype(dtype)
    in_masks = (rng.random((n_masks, batch, 7, 6, 2)) > 0.3).astype(dtype)
    args = ((2, 1), (1, 1), ((1, 1), (0, 1)))
    tol = 1e-5 if dtype == "float32" else 1e-12
    xz = [p["conv_lstm_input_forward"](x, kernel, bias, in_masks, *args) for p in (ref, fast)]
    assert_close(xz[1], xz[0], tol, "xz")
    spatial = xz[0].shape[2:-1]
    h0, c0 = (rng.normal(size=(batch, *spatial, f)).astype(dtype) for _ in range(2))
    mask = np.array([[1, 0, 1], [1, 1, 0]], dtype)
    rec_masks = (rng.random((n_masks, batch, *spatial, f)) > 0.3).astype(dtype)
    fwd = [p["conv_lstm_forward"](xz[0], rk, h0, c0, mask, rec_masks, 1, 2, False)
           for p in (ref, fast)]
    for a, b in zip(fwd[1], fwd[0], strict=True):
        assert a.dtype == np.dtype(dtype)
        assert_close(a, b, tol, "forward")
    dout = rng.normal(size=fwd[0][0].shape).astype(dtype)
    bwd = [p["conv_lstm_backward"](dout, h0, c0, rk, mask, rec_masks, *fwd[0][3:], 1, 2, False)
           for p in (ref, fast)]
    for a, b in zip(bwd[1], bwd[0], strict=True):
        assert_close(a, b, tol * 10, "backward")
    back = [p["conv_lstm_input_backward"](bwd[0][0], x, kernel, in_masks, *args)
            for p in (ref, fast)]
    for a, b in zip(back[1], back[0], strict=True):
        assert_close(a, b, tol * 10, "input backward")


@pytest.mark.parametrize("case", [CASES[0], CASES[2], CASES[3], CASES[7]], ids=_label)
def test_channels_first_is_channels_last_transposed(case, rng):
    """TensorFlow's CPU convolutions are NHWC only, so Keras cannot run channels_first here:
    the same weights on transposed data give the transposed outputs and gradients."""
    cls, shape, kwargs, _ = case
    last = getattr(layers, cls)(**kwargs)
    first = getattr(layers, cls)(data_format="channels_first", **kwargs)
    x = rng.normal(size=shape).astype("float32")
    xf = np.moveaxis(x, -1, 2)
    last.build_from_shape(x.shape)
    first.build_from_shape(xf.shape)
    first.set_weights([rng.uniform(-0.6, 0.6, size=w.shape).astype("float32")
                       for w in first.weights])
    last.set_weights(first.get_weights())
    ys, yf = last(x), first(xf)
    ys, yf = (ys, yf) if isinstance(ys, list) else ([ys], [yf])
    axes = [2 if kwargs.get("return_sequences") else 1] + [1] * (len(ys) - 1)
    for a, b, axis in zip(yf, ys, axes, strict=True):
        np.testing.assert_allclose(np.moveaxis(a, axis, -1), b, rtol=1e-6, atol=1e-6)
    dys = [rng.normal(size=y.shape).astype("float32") for y in ys]
    dys_first = [np.moveaxis(d, -1, axis) for d, axis in zip(dys, axes, strict=True)]
    dx = last.backward(dys if last.return_state else dys[0])
    dxf = first.backward(dys_first if first.return_state else dys_first[0])
    np.testing.assert_allclose(np.moveaxis(dxf, 2, -1), dx, rtol=1e-5, atol=1e-6)
    for a, b in zip(first.trainable_weights, last.trainable_weights, strict=True):
        np.testing.assert_allclose(a.grad, b.grad, rtol=1e-5, atol=1e-5)
    shape_first = first.compute_output_shape(xf.shape)
    assert [tuple(s) for s in (shape_first if isinstance(shape_first, list)
                               else [shape_first])] == [y.shape for y in yf]


@pytest.mark.parametrize("cls, kwargs", [
    ("ConvLSTM2D", dict(filters=3, kernel_size=2)),
    ("ConvLSTM2D", dict(filters=4, kernel_size=(3, 2), strides=2, padding="same",
                        data_format="channels_first", activation="relu", use_bias=False,
                        kernel_regularizer="l2", recurrent_constraint="non_neg",
                        unit_forget_bias=False, dropout=0.2, recurrent_dropout=0.1, seed=3,
                        return_sequences=True, return_state=True, go_backwards=True)),
    ("ConvLSTM1D", dict(filters=2, kernel_size=3, dilation_rate=2, stateful=True)),
    ("ConvLSTM3D", dict(filters=2, kernel_size=2, recurrent_initializer="glorot_uniform")),
])
def test_get_config_and_weights_match_keras(cls, kwargs):
    mine = getattr(layers, cls)(**kwargs, name="probe")
    theirs = getattr(keras.layers, cls)(**kwargs, name="probe")
    assert mine.get_config() == theirs.get_config()
    clone = getattr(layers, cls).from_config(mine.get_config())
    assert clone.get_config() == mine.get_config()
    rank = mine.rank
    shape = (None, 3, *(6,) * rank, 2) if mine.data_format == "channels_last" else \
        (None, 3, 2, *(6,) * rank)
    if mine.stateful:
        shape = (4, *shape[1:])
    mine.build_from_shape(shape)
    theirs.build(shape)
    assert [(v.path, v.shape) for v in mine.weights] == [
        (v.path, tuple(v.shape)) for v in theirs.weights]
    assert mine.compute_output_shape(shape) == (
        list(theirs.compute_output_shape(shape)) if mine.return_state
        else theirs.compute_output_shape(shape))


def test_unit_forget_bias_and_default_initializers(rng):
    layer = layers.ConvLSTM2D(3, 3)
    layer.build_from_shape((None, 2, 5, 5, 2))
    np.testing.assert_array_equal(layer.bias.value, np.repeat([0.0, 1.0, 0.0, 0.0], 3))
    rk = layer.recurrent_kernel.value.reshape(-1, 12)
    np.testing.assert_allclose(rk.T @ rk, np.eye(12), atol=1e-5)  # orthogonal columns


@pytest.mark.parametrize("kwargs, match", [
    (dict(filters=0, kernel_size=2), "filters=0"),
    (dict(filters=2.5, kernel_size=2), "filters=2.5"),
    (dict(filters=4, kernel_size=0), "kernel_size=0"),
    (dict(filters=4, kernel_size=(2, 2, 2)), "kernel_size"),
    (dict(filters=4, kernel_size=2, strides=0), "strides=0"),
    (dict(filters=4, kernel_size=2, padding="causal"), "padding='causal'"),
    (dict(filters=4, kernel_size=2, data_format="channels_middle"), "channels_middle"),
    (dict(filters=4, kernel_size=2, strides=2, dilation_rate=2), "dilation_rate"),
    (dict(filters=4, kernel_size=2, activation="softmax"), "activation"),
])
def test_bad_arguments_are_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match.replace("(", r"\(").replace(")", r"\)")):
        layers.ConvLSTM2D(**kwargs)


def test_bad_inputs_are_clear_errors_before_any_kernel():
    with pytest.raises(ValueError, match="expected ndim=5, found ndim=4"):
        layers.ConvLSTM2D(2, 3)(np.ones((2, 3, 5, 5)))
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=5"):
        layers.ConvLSTM1D(2, 3)(np.ones((2, 3, 5, 5, 1)))
    with pytest.raises(ValueError, match="kernel is larger than the input"):
        layers.ConvLSTM2D(2, (3, 6))(np.ones((1, 2, 5, 5, 1)))
    layer = layers.ConvLSTM2D(2, 3)
    layer(np.ones((1, 2, 5, 5, 3)))
    layer(np.ones((1, 4, 5, 5, 3)))  # another number of time steps is fine
    with pytest.raises(ValueError, match=r"expected shape \(batch, timesteps, 5, 5, 3\)"):
        layer(np.ones((1, 2, 5, 5, 4)))
    with pytest.raises(ValueError, match="expected shape"):
        layer(np.ones((1, 2, 6, 5, 3)))
    with pytest.raises(ValueError, match="initial_state"):
        layer(np.ones((1, 2, 5, 5, 3)), initial_state=[np.zeros((1, 3, 3, 3))] * 2)


def test_stateful_carries_states_between_calls(rng):
    layer = layers.ConvLSTM2D(2, 3, padding="same", stateful=True)
    x = rng.normal(size=(2, 4, 5, 5, 1)).astype("float32")
    whole = layers.ConvLSTM2D(2, 3, padding="same")
    whole.build_from_shape(x.shape)
    layer.build_from_shape(x.shape)
    layer.set_weights(whole.get_weights())
    layer(x[:, :2])
    np.testing.assert_allclose(layer(x[:, 2:]), whole(x), rtol=1e-6, atol=1e-6)
    layer.reset_state()
    np.testing.assert_allclose(layer(x), whole(x), rtol=1e-6, atol=1e-6)


def test_in_a_model_with_masking_and_the_keras2_path():
    import minikeras
    from minikeras.layers.convolutional_recurrent import ConvLSTM2D

    assert ConvLSTM2D is layers.ConvLSTM2D
    model = minikeras.Sequential([
        minikeras.Input((None, 6, 6, 1)), ConvLSTM2D(2, 3, padding="same", return_sequences=True),
        layers.BatchNormalization(), layers.Conv3D(1, 3, padding="same", activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adadelta")
    x = np.random.default_rng(0).random((4, 5, 6, 6, 1)).astype("float32")
    model.fit(x, (x > 0.5).astype("float32"), epochs=1, batch_size=2, verbose=0)
    assert model.predict(x[:1, :3], verbose=0).shape == (1, 3, 6, 6, 1)


def test_zz_report_worst_errors():
    """Prints the worst relative error per parity case (run with -s)."""
    for (label, dtype), err in sorted(WORST.items()):
        print(f"{dtype}  {err:.1e}  {label}")
