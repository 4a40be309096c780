"""A pytest plugin (registered as `minikeras-parity`): the `parity` and `parity_check` fixtures.

    def test_my_model(parity):
        model = build_my_minikeras_model()
        parity(model, x, y, steps=20)        # forward per layer, gradients, 20 training steps

    def test_my_numpy_dense(parity_check):   # your own functions against Keras
        parity_check.layer("Dense", {"units": 3}, forward=my_forward, backward=my_backward,
                           input_shape=(4, 5))
        parity_check.loss("mse", value=my_mse, grad=my_mse_grad, y_shape=(8, 2))
        parity_check.optimizer("Adam", update=my_adam, shapes=[(5, 3), (3,)])

A failure names the layer or tensor, both values at the worst index and the difference (for
parity_check: the whole report, with a hint where one is sure).
Tolerances default to the house rules for the model's dtype.
"""

import numpy as np
import pytest

from .core import (
    _keras,
    compare_gradients,
    compare_layer_outputs,
    compare_train_steps,
    numerics_of,
    to_keras,
)

TOLERANCE = {"float32": {"forward": 1e-6, "grad": 1e-6, "trajectory": 1e-5},
             "float64": {"forward": 1e-10, "grad": 1e-10, "trajectory": 1e-10}}


def assert_parity(model, x, y=None, steps=0, batch_size=None, rtol=None, twin=None, *,
                  forward=True):
    """Assert that `model` computes what its Keras twin computes (same config and weights).

    Each layer's forward output (unless forward=False: for a caller that judged those rows
    another way). With y: the loss, every weight gradient and each layer's input gradient.
    With steps > 0 (and y): that many training steps on the same batches, then every weight.
    The model's weights are restored afterwards.
    """
    with numerics_of(_keras().backend.backend()):  # the installed Keras backend's arithmetic
        _assert_parity(model, x, y, steps, batch_size, rtol, twin, forward)


def _assert_parity(model, x, y, steps, batch_size, rtol, twin, forward):
    dtype = model.layers[0].dtype
    tol = dict(TOLERANCE.get(dtype, TOLERANCE["float32"]))
    if rtol is not None:
        tol = {k: rtol for k in tol}
    x = np.asarray(x, dtype=dtype)
    twin = twin or to_keras(model, compile=y is not None)
    rows = compare_layer_outputs(model, x, twin) if forward else []
    for name, abs_err, rel_err, (index, mine, theirs) in rows:
        if rel_err > tol["forward"]:
            raise AssertionError(
                f"layer {name!r} output differs from Keras: max relative error {rel_err:.3e} > "
                f"{tol['forward']:.0e}; at index {index} minikeras={mine!r} keras={theirs!r} "
                f"(|diff| {abs_err:.3e})")
    if y is None:
        return
    batch = x[:batch_size] if batch_size else x
    y = np.asarray(y)
    for name, abs_err, rel_err in compare_gradients(model, batch, y[:len(batch)], twin):
        if rel_err > tol["grad"]:
            raise AssertionError(f"gradient {name} differs from Keras: max relative error "
                                 f"{rel_err:.3e} > {tol['grad']:.0e} (max |diff| {abs_err:.3e})")
    if steps:
        initial = model.get_weights()
        try:
            result = compare_train_steps(model, x, y, steps=steps, batch_size=batch_size or 32,
                                         twin=twin)
        finally:
            model.set_weights(initial)
        worst = max(result["loss_rel"], result["weights_rel"])
        if worst > tol["trajectory"]:
            raise AssertionError(
                f"after {steps} training steps: loss differs by {result['loss_rel']:.3e}, "
                f"weights by {result['weights_rel']:.3e} (relative) > {tol['trajectory']:.0e}")


@pytest.fixture
def parity():
    """The `assert_parity` function, skipping the test when Keras is not installed."""
    pytest.importorskip("keras")
    return assert_parity


class ParityCheck:
    """parity.check_layer / check_loss / check_optimizer that fail the test on a mismatch.

    Each takes the same arguments, raises AssertionError carrying the report when a quantity is
    outside tolerance, and returns the report otherwise.
    """

    def layer(self, *args, **kwargs):
        from .layer_check import check_layer

        return check_layer(*args, **kwargs).raise_if_failed()

    def loss(self, *args, **kwargs):
        from .loss_check import check_loss

        return check_loss(*args, **kwargs).raise_if_failed()

    def optimizer(self, *args, **kwargs):
        from .optimizer_check import check_optimizer

        return check_optimizer(*args, **kwargs).raise_if_failed()


@pytest.fixture
def parity_check():
    """A ParityCheck (your functions against Keras), skipping the test without Keras."""
    pytest.importorskip("keras")
    return ParityCheck()
