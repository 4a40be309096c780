"""Confusion-matrix metrics (TP/FP/TN/FN, Precision, Recall, AUC) against keras.metrics over
several weighted batches, Keras's goldens, configs, names, and bad arguments."""

import numpy as np
import pytest
from helpers import F32_FORWARD, F64, assert_close, max_rel_error, use_dtype
from hypothesis import given, settings
from hypothesis import strategies as st

from minikeras.metrics import confusion_metrics as cm

TOL = {"float32": F32_FORWARD, "float64": F64}


def _batches(rng, n=11, k=4, logits=False, shape="matrix"):
    """Three (y_true, y_pred, sample_weight) batches: no weights, (n,) weights, (n, 1) weights.

    Scores are rounded to 0.05 half the time so they land exactly on thresholds.
    """
    out = []
    for i in range(3):
        y = (rng.uniform(size=(n, k)) > 0.6).astype("float32")
        p = rng.normal(0, 2, (n, k)) if logits else rng.uniform(0, 1, (n, k))
        if i == 1 and not logits:
            p = np.round(p * 20) / 20
        if shape == "vector":
            y, p = y[:, 0], p[:, :1]
        weight = [None, rng.uniform(0, 2, n), rng.uniform(0, 2, (n, 1))][i]
        out.append((y, p, weight))
    return out


def _parity(mine, theirs, batches, dtype, name):
    """Feed both metrics the same batches; compare the result after each. Returns max error."""
    worst = 0.0
    for step, (y, p, w) in enumerate(batches):
        mine.update_state(y, p.astype(dtype), sample_weight=w)
        theirs.update_state(y, p.astype(dtype), sample_weight=w)
        got, want = np.asarray(mine.result()), np.asarray(theirs.result())
        assert_close(got, want, TOL[dtype], f"{name} {dtype} #{step}")
        worst = max(worst, max_rel_error(got, want))
    print(f"PARITY {name} {dtype} {worst:.2e}")
    return worst


CASES = [
    ("TruePositives", {}),
    ("FalsePositives", {"thresholds": [0.15, 0.5, 0.85]}),
    ("TrueNegatives", {"thresholds": 0.3}),
    ("FalseNegatives", {"thresholds": [0.0, 0.5, 1.0]}),  # evenly spaced: Keras's bucket path
    ("Precision", {}),
    ("Precision", {"thresholds": [0.3, 0.7]}),
    ("Precision", {"top_k": 2}),
    ("Precision", {"class_id": 1}),
    ("Precision", {"top_k": 2, "class_id": 2, "thresholds": 0.4}),
    ("Recall", {}),
    ("Recall", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}),
    ("Recall", {"top_k": 1}),
    ("Recall", {"class_id": 3}),
    ("AUC", {}),
    ("AUC", {"curve": "PR"}),
    ("AUC", {"num_thresholds": 7, "summation_method": "majoring"}),
    ("AUC", {"curve": "pr", "summation_method": "minoring", "num_thresholds": 13}),
    ("AUC", {"curve": "PRGAIN"}),
    ("AUC", {"thresholds": [0.2, 0.5, 0.9]}),
    ("AUC", {"thresholds": [0.25, 0.5, 0.75], "curve": "PR"}),  # sorted, evenly spaced
    ("AUC", {"multi_label": True}),
    ("AUC", {"multi_label": True, "num_labels": 4, "label_weights": [0.5, 1, 2, 0],
             "curve": "PR"}),
    ("AUC", {"label_weights": [0.5, 1, 2, 0.1]}),
    ("AUC", {"from_logits": True, "curve": "PR"}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(CASES)])
def test_matches_keras_over_weighted_batches(name, kwargs, dtype, rng):
    keras = pytest.importorskip("keras")
    use_dtype(dtype)
    batches = _batches(rng, logits=kwargs.get("from_logits", False))
    mine, theirs = getattr(cm, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
    _parity(mine, theirs, batches, dtype, f"{name}{kwargs}")
    got, want = mine.get_config(), theirs.get_config()
    got.pop("name"), want.pop("name")
    if "label_weights" in kwargs:  # Keras keeps a tensor there
        assert np.allclose(got.pop("label_weights"), np.asarray(want.pop("label_weights")))
    assert got == want
    assert getattr(mine, "_direction", None) == getattr(theirs, "_direction", None)
    mine.reset_state()
    theirs.reset_state()
    _parity(mine, theirs, batches[1:], dtype, f"{name}{kwargs} after reset")


@pytest.mark.parametrize("name", ["TruePositives", "Precision", "Recall", "AUC"])
def test_label_shapes_vector_and_column(name, rng):
    """(n,) labels with (n, 1) scores, and (n, 1) with (n,), rank-matched as Keras."""
    keras = pytest.importorskip("keras")
    for y, p, w in _batches(rng, shape="vector"):
        for yy, pp in [(y, p), (y[:, None], p[:, 0])]:
            mine, theirs = getattr(cm, name)(), getattr(keras.metrics, name)()
            _parity(mine, theirs, [(yy, pp, w)], "float32", f"{name} shapes")


def test_keras_auc_goldens():
    """keras/src/metrics/confusion_metrics_test.py, AUCTest (num_thresholds=3)."""
    y_true, y_pred, weight = np.array([0, 0, 1, 1]), np.array([0, 0.5, 0.3, 0.9], "float32"), \
        np.array([1, 2, 3, 4])
    expected = [({}, None, 0.75), ({}, weight, 0.7855),
                ({"summation_method": "majoring"}, weight, 1.0),
                ({"summation_method": "minoring"}, weight, 0.571),
                ({"curve": "PR", "summation_method": "majoring"}, weight, 0.429 + 0.571),
                ({"curve": "PR", "summation_method": "minoring"}, weight, 0.7 * 0.429),
                ({"curve": "PR"}, weight, 2.416 / 7 + 4 / 7),
                ({"curve": "PR"}, -weight, 0.0),
                ({"curve": "PRGAIN", "summation_method": "majoring"}, weight, 1.0),
                ({"curve": "PRGAIN", "summation_method": "minoring"}, weight, 0.0),
                ({"curve": "PRGAIN"}, weight, 0.5)]
    for kwargs, w, value in expected:
        metric = cm.AUC(num_thresholds=3, **kwargs)
        assert metric(y_true, y_pred, sample_weight=w) == pytest.approx(value, abs=1e-3), kwargs
    assert cm.AUC(num_thresholds=2, thresholds=[0.5])(y_true, y_pred) == pytest.approx(0.75)
    logits = -np.log(1.0 / (y_pred + 1e-12) - 1.0)
    assert cm.AUC(num_thresholds=3, from_logits=True)(y_true, logits) == pytest.approx(0.75)
    assert cm.AUC()(y_true, y_true.astype("float32")) == pytest.approx(1.0)


def test_keras_precision_recall_goldens():
    """keras/src/metrics/confusion_metrics_test.py, PrecisionTest / RecallTest."""
    y_pred, y_true = np.array([0.2, 0.1, 0.5, 0, 0.2]), np.array([0, 1, 1, 0, 0])
    assert cm.Precision(top_k=3)(y_true, y_pred) == pytest.approx(1.0 / 3)
    assert cm.Recall(top_k=3)(y_true, y_pred) == pytest.approx(0.5)
    for cls, expected in [(cm.Precision, ((2 + 5) + (3 + 3)) / ((1 + 2 + 5) + (3 + 3 + 3))),
                          (cm.Recall, ((2 + 5) + (3 + 3)) / ((4 + 2 + 5) + (3 + 3 + 3 + 3)))]:
        metric = cls(top_k=3)
        metric(np.array([[0, 1, 1, 0, 1]]), np.array([[0.2, 0.1, 0.4, 0, 0.2]]),
               sample_weight=np.array([[1, 4, 2, 3, 5]]))
        got = metric(np.array([1, 0, 1, 1, 1]), np.array([0.2, 0.6, 0.4, 0.2, 0.2]),
                     sample_weight=np.array(3))
        assert got == pytest.approx(expected), cls.__name__
    both = cm.Precision(thresholds=0.7, top_k=2)
    assert both(np.array([0, 1, 1, 0, 1]), np.array([0.2, 0.8, 0.6, 0, 0.2])) == 1.0
    assert both.tp == 1 and both.fp == 0


def test_names_are_numbered_as_keras():
    """Keras names confusion metrics with auto_name: `auc`, `auc_1`, ... per session."""
    first, second = cm.AUC(), cm.AUC()
    assert second.name != first.name and second.name.startswith("auc_")
    assert cm.Precision(name="p").name == "p"
    assert cm.TruePositives().name.startswith("true_positives")


def test_directions():
    assert cm.AUC._direction == cm.Precision._direction == cm.Recall._direction == "up"


def test_bad_arguments_raise_before_counting():
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\].*1.5"):
        cm.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="Threshold values must be in"):
        cm.TruePositives(thresholds=-0.1)
    with pytest.raises(ValueError, match="num_thresholds=1"):
        cm.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match='Invalid AUC curve value: "ROCK"'):
        cm.AUC(curve="ROCK")
    with pytest.raises(ValueError, match='Invalid AUC summation method value: "sum"'):
        cm.AUC(summation_method="sum")
    with pytest.raises(ValueError, match="`num_labels` is needed only"):
        cm.AUC(num_labels=3)
    with pytest.raises(ValueError, match="must have rank 2 when `multi_label=True`"):
        cm.AUC(multi_label=True).update_state(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match=r"`y_true` of shape \(5,\) does not match `y_pred`"):
        cm.AUC().update_state(np.zeros(5), np.zeros(4))
    with pytest.raises(ValueError, match=r"`sample_weight` of shape \(3,\) cannot be broad"):
        cm.Precision().update_state(np.zeros(4), np.zeros(4), sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="class_id is provided.*found shape: \\(3,\\)"):
        cm.Recall(class_id=1).update_state(np.zeros(3), np.zeros(3))


@settings(max_examples=12, deadline=None)
@given(batch=st.sampled_from([1, 2, 3, 7]), classes=st.integers(1, 4),
       num_thresholds=st.integers(2, 30), curve=st.sampled_from(["ROC", "PR"]),
       grid=st.sampled_from([0, 4]), seed=st.integers(0, 999))
def test_hypothesis_auc_precision_recall_vs_keras(batch, classes, num_thresholds, curve, grid,
                                                  seed):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(seed)
    y = (rng.uniform(size=(batch, classes)) > 0.5).astype("float32")
    p = rng.uniform(0, 1, (batch, classes))
    p = (np.round(p * grid) / grid if grid else p).astype("float32")
    weight = rng.uniform(0, 2, batch)
    for mine, theirs in [(cm.AUC(num_thresholds=num_thresholds, curve=curve),
                          keras.metrics.AUC(num_thresholds=num_thresholds, curve=curve)),
                         (cm.Precision(), keras.metrics.Precision()),
                         (cm.Recall(thresholds=[0.25, 0.5]), keras.metrics.Recall(
                             thresholds=[0.25, 0.5]))]:
        mine.update_state(y, p, sample_weight=weight)
        theirs.update_state(y, p, sample_weight=weight)
        got, want = np.asarray(mine.result()), np.asarray(theirs.result())
        # judged on the [0, 1] scale of these ratios: a tiny PR area comes from cancellation in
        # dtp + intercept * log(ratio), where float32 log differs from TensorFlow's by an ulp
        err = np.max(np.abs(got - want)) / max(1.0, float(np.max(np.abs(want))))
        assert err <= F32_FORWARD, f"{type(mine).__name__} batch={batch}: {got} vs {want}"
