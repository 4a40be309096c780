"""Hypothesis draws random architectures; each must match Keras through assert_parity."""

import numpy as np
import pytest
from helpers import assert_as_accurate
from hypothesis import example, given, settings
from hypothesis import strategies as st

from parity import suite
from parity.core import to_keras
from parity.pytest_plugin import assert_parity

pytest.importorskip("keras")

HEADS = [("sigmoid", "binary_crossentropy", "binary", 1),
         ("softmax", "categorical_crossentropy", "onehot", 3),
         ("softmax", "sparse_categorical_crossentropy", "sparse", 4),
         ("linear", "mse", "regression", 2),
         ("tanh", "mae", "regression", 2)]


# Hidden widths start at 2: behind a single relu unit, float32 results hinge on the sign of
# pre-activations within rounding of zero, so the two libraries can legitimately take different
# branches (seen: 6e-5 after 6 steps). Width-1 layers are covered in float64 elsewhere.
@settings(max_examples=8, deadline=None)
@given(widths=st.lists(st.integers(2, 12), min_size=0, max_size=3),
       hidden=st.sampled_from(["relu", "tanh", "sigmoid", "elu", "gelu", "softplus"]),
       head=st.sampled_from(HEADS), optimizer=st.sampled_from(["sgd", "adam", "rmsprop"]),
       batch_size=st.integers(1, 9), n=st.integers(2, 20), features=st.integers(1, 6),
       dtype=st.sampled_from(["float32", "float64"]), seed=st.integers(0, 99))
# A bias that reaches 1e-3 and ends at 1.85e-6: one float32 ulp of its way there is 1.6e-5 of
# its last value. parity.core.compare_train_steps measures a weight against its largest value
# in the run (see its docstring; tests/parity/test_parity_tool.py checks it still catches drift).
@example(widths=[], hidden="relu", head=HEADS[0], optimizer="adam", batch_size=5, n=17,
         features=5, dtype="float32", seed=50)
# small elu outputs one float32 ulp of exp(x) apart: _forward_referee
@example(widths=[5], hidden="elu", head=HEADS[0], optimizer="sgd", batch_size=1, n=2,
         features=1, dtype="float32", seed=0)
def test_random_architectures(widths, hidden, head, optimizer, batch_size, n, features, dtype,
                              seed):
    activation, loss, kind, units = head

    def build(dtype):
        suite.use_dtype(dtype)
        return suite.mlp(features, widths, units, activation, loss, optimizer=optimizer,
                         hidden_activation=hidden, seed=seed)

    try:
        model = build(dtype)
        rng = np.random.default_rng(seed)
        x = rng.normal(size=(n, features))
        y = suite.labels(kind, n, units, rng)
        try:
            assert_parity(model, x, y, steps=6, batch_size=batch_size)
        except AssertionError as failure:
            if dtype != "float32" or "output differs from Keras" not in str(failure):
                raise
            _forward_referee(model, build("float64"), x.astype("float32"))
            # the rest of assert_parity, which stopped at the forward rows
            assert_parity(model, x, y, steps=6, batch_size=batch_size, forward=False)
    finally:
        suite.use_dtype("float32")


def _forward_referee(model, exact_model, x):
    """A float32 layer output outside the forward tolerance passes only if, in float64, the
    model matches Keras to 1e-10 (the same formulas), and each layer's float32 output, from the
    same float32 input, is as close to that layer run in float64 as Keras's float32 output is
    (tests/helpers.assert_as_accurate: 4 x + 1e-6, relative to max(1, |output|)). Seen: a
    layer of small elu outputs (|y| <= 0.055), elu(x) = exp(x) - 1 on both sides (TF's Eigen
    exp, our libm's), one float32 ulp of exp's ~0.99 apart: 1.08e-6 of the array's largest."""
    exact_model.set_weights([w.astype("float64") for w in model.get_weights()])
    assert_parity(exact_model, x)
    twin = to_keras(model, compile=False)
    suite.use_dtype("float32")
    inputs = x
    for layer, twin_layer, exact_layer in zip(model.layers, twin.layers, exact_model.layers,
                                              strict=True):
        mine = layer.forward(inputs, training=False)
        assert_as_accurate(mine, np.asarray(twin_layer(inputs)),
                           exact_layer.forward(inputs.astype("float64"), training=False),
                           f"output of {layer.name}")
        inputs = mine
