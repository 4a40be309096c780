"""plot_history draws training and validation curves from a real fit."""

import numpy as np
import pytest

import minikeras
from minikeras.utils import plot_history

pytest.importorskip("matplotlib")


def test_plot_history_writes_a_png_with_one_panel_per_metric(tmp_path):
    x = np.random.default_rng(0).normal(size=(30, 4))
    y = (x[:, 0] > 0).astype("float32")
    model = minikeras.Sequential([minikeras.Input((4,)),
                                  minikeras.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, validation_split=0.2, verbose=0)
    path = tmp_path / "history.png"
    fig = plot_history(history, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "accuracy"]
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]
    np.testing.assert_allclose(fig.axes[0].lines[1].get_ydata(), history.history["val_loss"])


def test_bad_arguments_are_clear():
    with pytest.raises(ValueError, match="non-empty"):
        plot_history({})
    with pytest.raises(ValueError, match="Unknown metric"):
        plot_history({"loss": [1.0]}, metrics=["auc"])
