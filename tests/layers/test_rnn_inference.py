"""predict's forward pass of the recurrent layers (RNN.infer): the same bits as
forward(training=False), through the one-call inference kernels where kernels/plan.py says
they compute them, and through forward everywhere else (masks, states, GRU, big batches)."""

import numpy as np
import pytest
from helpers import F32_FORWARD, F64, assert_close, use_dtype

from minikeras import Input, Sequential, kernels
from minikeras.kernels import plan
from minikeras.layers import GRU, LSTM, Dense, Masking, SimpleRNN

pytestmark = pytest.mark.skipif(kernels.KERNELS != "numba", reason="the numba path's choice")


@pytest.fixture
def calls(monkeypatch):
    """How many times each inference kernel ran."""
    counts = {"lstm_inference": 0, "simple_rnn_inference": 0}
    for name in counts:
        original = getattr(kernels.rnn, name)

        def counted(*args, _name=name, _original=original):
            counts[_name] += 1
            return _original(*args)

        monkeypatch.setattr(kernels.rnn, name, counted)
    return counts


def _x(batch, steps=30, features=8, seed=0):
    return np.random.default_rng(seed).normal(size=(batch, steps, features)).astype("float32")


def _same(a, b):
    a, b = (a, b) if isinstance(a, list) else ([a], [b])
    assert len(a) == len(b)
    for mine, theirs in zip(a, b, strict=True):
        assert mine.shape == theirs.shape and mine.dtype == theirs.dtype
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("cls", [LSTM, SimpleRNN])
@pytest.mark.parametrize("kwargs", [
    {}, {"return_sequences": True}, {"return_state": True}, {"go_backwards": True},
    {"use_bias": False}, {"activation": "relu"}, {"dropout": 0.5},
    {"return_sequences": True, "return_state": True, "go_backwards": True},
])
@pytest.mark.parametrize("batch", [1, 3])
def test_infer_gives_forwards_bits_in_one_call(cls, kwargs, batch, calls):
    cell, units = ("lstm", 64) if cls is LSTM else ("simple_rnn", 128)  # past the small loop
    layer = cls(units, **kwargs)
    x = _x(batch)
    layer.build(x.shape)
    assert plan.inference_in_one_call(cell, batch, 30, 8, units)
    _same(layer.infer(x), layer.forward(x, training=False))
    assert calls[f"{cell}_inference"] == 1


@pytest.mark.parametrize("make,x", [
    (lambda: LSTM(64), _x(64)),  # threads and row blocks: the layer's own loop
    (lambda: LSTM(4), _x(1)),  # the small-layer loop
    (lambda: GRU(64), _x(1)),  # no inference twin
    (lambda: LSTM(64, stateful=True), _x(1)),  # carried states
    (lambda: LSTM(64, recurrent_dropout=0.3), _x(1)),  # projected gate by gate
])
def test_infer_runs_forward_where_the_one_call_does_not_apply(make, x, calls):
    layer = make()
    layer.build(x.shape)
    expected = layer.forward(x, training=False)
    if layer.stateful:
        layer.reset_state()
    _same(layer.infer(x), expected)
    assert calls == {"lstm_inference": 0, "simple_rnn_inference": 0}


def test_infer_with_a_mask_or_initial_state_runs_forward(calls):
    layer = LSTM(64)
    x = _x(2)
    layer.build(x.shape)
    mask = np.ones((2, 30), bool)
    mask[0, 20:] = False
    state = [np.full((2, 64), 0.1, "float32")] * 2
    _same(layer.infer(x, mask=mask), layer.forward(x, mask=mask))
    _same(layer.infer(x, initial_state=state), layer.forward(x, initial_state=state))
    assert calls["lstm_inference"] == 0


def test_predict_of_a_recurrent_model_is_its_forward_pass(calls):
    model = Sequential([Input((30, 8)), LSTM(64, return_sequences=True), SimpleRNN(128),
                        Dense(1)])
    model.compile("adam", "mse")
    x = _x(5)
    for rows in (x[:1], x[:3]):
        expected = model.forward(rows, training=False)
        _same(model.predict(rows, verbose=0), expected)
        _same(model.predict_on_batch(rows), expected)
    # 3 rows: the SimpleRNN's projection (90 x 64 @ 64 x 128) is past one single-thread GEMM,
    # so its forward runs
    assert not plan.inference_in_one_call("simple_rnn", 3, 30, 64, 128)
    assert calls == {"lstm_inference": 4, "simple_rnn_inference": 2}
    # a Masking layer first: the mask reaches the LSTM, which then runs forward
    masked = Sequential([Input((30, 8)), Masking(0.0), LSTM(64), Dense(1)])
    rows = x[:2].copy()
    rows[0, 25:] = 0.0
    _same(masked.predict(rows, verbose=0), masked.forward(rows, training=False))
    assert calls["lstm_inference"] == 4


def test_a_subclass_forward_is_what_predict_runs():
    class Doubled(Sequential):
        def forward(self, x, training=False):
            return 2 * super().forward(x, training=training)

    model = Doubled([Input((30, 8)), LSTM(64), Dense(1)])
    plain = Sequential([Input((30, 8)), LSTM(64), Dense(1)])
    plain.set_weights(model.get_weights())
    x = _x(1)
    _same(model.predict(x, verbose=0), 2 * plain.predict(x, verbose=0))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_one_call_predict_matches_keras(dtype, calls):
    """W6's model (LSTM(64) -> Dense(1)) and a SimpleRNN(128) one, predicting 1 and 3 samples
    through the inference kernels, against Keras's predict on copied weights."""
    pytest.importorskip("keras")
    from parity.core import to_keras

    use_dtype(dtype)
    for name, make in [("LSTM(64)", lambda: LSTM(64)),
                       ("SimpleRNN(128, relu)", lambda: SimpleRNN(128, activation="relu"))]:
        np.random.seed(3)
        model = Sequential([Input((30, 8)), make(), Dense(1)])
        twin = to_keras(model)
        for rows in (1, 3):
            x = _x(rows).astype(dtype)
            assert_close(model.predict(x, verbose=0), twin.predict(x, verbose=0),
                         F32_FORWARD if dtype == "float32" else F64, f"{name}, {rows} rows")
    assert calls == {"lstm_inference": 2, "simple_rnn_inference": 2}
