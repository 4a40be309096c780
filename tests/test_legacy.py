"""Keras 1/2 spellings from old tutorials: accepted with a DeprecationWarning naming the modern
spelling, and computing exactly what the modern spelling computes."""

import numpy as np
import pytest

import minikeras
from minikeras.layers import Dense


def test_dense_old_keywords_map_to_new_ones():
    with pytest.warns(DeprecationWarning, match="kernel_initializer"):
        old = Dense(output_dim=4, init="uniform", W_regularizer="l2", b_regularizer="l1",
                    name="old")
    new = Dense(units=4, kernel_initializer="uniform", kernel_regularizer="l2",
                bias_regularizer="l1", name="old")
    assert old.get_config() == new.get_config()


def test_both_spellings_is_an_error():
    with pytest.raises(TypeError, match="both `init`"):
        Dense(3, init="uniform", kernel_initializer="zeros")


def test_weight_regularizer_is_l1l2():
    with pytest.warns(DeprecationWarning, match="L1L2"):
        reg = minikeras.regularizers.WeightRegularizer(l2=0.01)
    assert isinstance(reg, minikeras.regularizers.L1L2) and reg.l2 == pytest.approx(0.01)


def _model(units, activation):
    model = minikeras.Sequential([minikeras.Input((3,)), Dense(units, activation=activation)])
    model.compile(loss="mse", optimizer="sgd")
    return model


def test_fit_nb_epoch_is_epochs():
    x, y = np.random.default_rng(0).normal(size=(10, 3)), np.zeros((10, 1))
    np.random.seed(1)
    a = _model(1, "linear")
    with pytest.warns(DeprecationWarning, match="epochs"):
        history = a.fit(x, y, nb_epoch=3, verbose=0)
    assert len(history.history["loss"]) == 3


def test_predict_classes_and_proba_follow_keras2_rules():
    x = np.random.default_rng(0).normal(size=(8, 3))
    multi, single = _model(4, "softmax"), _model(1, "sigmoid")
    with pytest.warns(DeprecationWarning, match="argmax"):
        np.testing.assert_array_equal(multi.predict_classes(x),
                                      multi.predict(x, verbose=0).argmax(axis=-1))
    with pytest.warns(DeprecationWarning):
        classes = single.predict_classes(x)
    np.testing.assert_array_equal(classes, (single.predict(x, verbose=0) > 0.5).astype("int32"))
    with pytest.warns(DeprecationWarning, match="model.predict"):
        np.testing.assert_array_equal(multi.predict_proba(x), multi.predict(x, verbose=0))


def test_sequential_with_input_shape_on_first_layer():
    model = minikeras.Sequential([Dense(2, input_shape=(5,)), Dense(1)])
    assert model.built and model.input_shape == (None, 5)


def test_adam_lr_and_decay_follow_keras2():
    """Keras 2: lr is learning_rate; decay gives lr / (1 + decay * iterations) at each step."""
    with pytest.warns(DeprecationWarning, match="learning_rate"):
        old = minikeras.optimizers.Adam(lr=0.01, decay=0.1)
    new = minikeras.optimizers.Adam(learning_rate=0.01)
    var_old = minikeras.Variable(np.ones(3, dtype="float32"))
    var_new = minikeras.Variable(np.ones(3, dtype="float32"))
    grads = [np.array([0.5, -1.0, 2.0]) * k for k in (1.0, 0.7, -0.3)]
    for step, grad in enumerate(grads):
        new.learning_rate = 0.01 / (1 + 0.1 * step)  # Keras 2's decayed rate at this step
        old.apply_gradients([(grad, var_old)])
        new.apply_gradients([(grad, var_new)])
        # schedules compute in float32, as Keras's do
        np.testing.assert_allclose(var_old.numpy(), var_new.numpy(), rtol=1e-6)
    with pytest.warns(DeprecationWarning):
        assert float(minikeras.optimizers.SGD(lr=0.5).learning_rate) == 0.5



def test_lowercase_optimizer_calls_build_the_class():
    with pytest.warns(DeprecationWarning, match=r"optimizers\.Adam\(\.\.\.\)"):
        opt = minikeras.optimizers.adam(lr=0.01)
    assert isinstance(opt, minikeras.optimizers.Adam)
    assert float(opt.learning_rate) == pytest.approx(0.01)
    with pytest.warns(DeprecationWarning, match="RMSprop"):
        assert isinstance(minikeras.optimizers.rmsprop(), minikeras.optimizers.RMSprop)
    from minikeras.optimizers.adam import Adam  # the module path still works as a module

    assert Adam is minikeras.optimizers.Adam
