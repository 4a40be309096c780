"""check_gradients: it passes on correct backward code, fails on wrong code, leaves the model
and NumPy's random state as they were, and prints its table."""

import numpy as np
import pytest
from helpers import FD

import minikeras
from minikeras.layers import Dense
from minikeras.layers.dropout import Dropout
from minikeras.layers.lambda_layer import Lambda
from minikeras.utils.gradient_check import check_gradients


def data(n=6, features=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, features)), np.eye(classes)[rng.integers(0, classes, n)]


MODELS = {
    "tanh-softmax": lambda: [Dense(5, activation="tanh"), Dense(3, activation="softmax")],
    "regularized": lambda: [Dense(5, activation="sigmoid", kernel_regularizer="l2",
                                  bias_regularizer="l1l2", bias_initializer="random_normal",
                                  activity_regularizer=minikeras.regularizers.L1(0.05)),
                            Dense(3, activation="softmax",
                                  kernel_regularizer="orthogonal_regularizer",
                                  activity_regularizer=minikeras.regularizers.L2(0.1))],
    "lambda-with-grad": lambda: [Dense(5, activation="elu"),
                                 Lambda(lambda x: x * x, grad=lambda dy, x, y: 2 * x * dy),
                                 Dense(3, activation="softmax")],
    "dropout": lambda: [Dense(6, activation="softplus"), Dropout(0.4),
                        Dense(3, activation="softmax")],
}


def compiled(layers, loss="categorical_crossentropy"):
    model = minikeras.Sequential([minikeras.Input((4,)), *layers])
    model.compile(optimizer="adam", loss=loss)
    return model


@pytest.mark.parametrize("loss", ["categorical_crossentropy", "mse"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_correct_backward_passes(name, loss):
    np.random.seed(1)
    model = compiled(MODELS[name](), loss)
    x, y = data()
    report = check_gradients(model, x, y, sample_weight=np.linspace(0.5, 2, 6), verbose=False)
    assert list(report) == [v.path for v in model.trainable_weights] + ["input"]
    for weight, row in report.items():
        assert row["max_rel_error"] < FD, f"{name}: {weight} {row}"


def test_a_wrong_derivative_is_caught():
    np.random.seed(2)
    wrong = Lambda(lambda x: x * x, grad=lambda dy, x, y: 3 * x * dy)  # should be 2x
    model = compiled([Dense(5, activation="tanh"), wrong, Dense(3, activation="softmax")])
    report = check_gradients(model, *data(), verbose=False)
    assert report[model.layers[0].kernel.path]["max_rel_error"] > 0.1  # below the bug
    assert report["input"]["max_rel_error"] > 0.1
    above = model.layers[2]
    assert report[above.kernel.path]["max_rel_error"] < FD  # layers above the bug are fine


def test_model_and_random_state_are_left_alone():
    np.random.seed(3)
    model = compiled(MODELS["dropout"]())
    x, y = data()
    model.fit(x, y, epochs=1, verbose=0)
    before = [w.copy() for w in model.get_weights()]
    iterations = int(model.optimizer.iterations)
    state = np.random.get_state()[1].copy()
    check_gradients(model, x, y, verbose=False)
    assert np.array_equal(np.random.get_state()[1], state)
    assert int(model.optimizer.iterations) == iterations
    for w_now, w_before in zip(model.get_weights(), before, strict=True):
        assert w_now.dtype == np.float32 and np.array_equal(w_now, w_before)


def test_prints_one_row_per_weight(capsys):
    np.random.seed(4)
    model = compiled(MODELS["tanh-softmax"]())
    report = check_gradients(model, *data())
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["weight", "shape", "max", "abs", "error", "max", "rel", "error"]
    assert [line.split()[0] for line in lines[1:]] == list(report)
    assert float(lines[1].split()[-1]) == pytest.approx(
        report[lines[1].split()[0]]["max_rel_error"], rel=1e-3)


@pytest.mark.parametrize("kwargs,match", [({"epsilon": 0}, "epsilon=0"),
                                          ({"epsilon": "1e-6"}, "epsilon='1e-6'")])
def test_bad_arguments(kwargs, match):
    model = compiled(MODELS["tanh-softmax"]())
    with pytest.raises(ValueError, match=match):
        check_gradients(model, *data(), **kwargs)


def test_needs_a_compiled_model():
    model = minikeras.Sequential([minikeras.Input((4,)), Dense(2)])
    with pytest.raises(ValueError, match="compiled model"):
        check_gradients(model, *data())
