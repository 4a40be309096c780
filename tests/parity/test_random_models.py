"""Hypothesis draws random architectures; each must match Keras through assert_parity."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from parity import suite
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
def test_random_architectures(widths, hidden, head, optimizer, batch_size, n, features, dtype,
                              seed):
    activation, loss, kind, units = head
    suite.use_dtype(dtype)
    try:
        model = suite.mlp(features, widths, units, activation, loss, optimizer=optimizer,
                          hidden_activation=hidden, seed=seed)
        rng = np.random.default_rng(seed)
        x = rng.normal(size=(n, features))
        assert_parity(model, x, suite.labels(kind, n, units, rng), steps=6,
                      batch_size=batch_size)
    finally:
        suite.use_dtype("float32")
