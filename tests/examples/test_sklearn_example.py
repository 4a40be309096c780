"""examples/sklearn_cross_validate.py (seed 000) runs as written and learns the data."""

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCORERS = ["accuracy", "precision", "recall", "f1", "roc_auc"]


def test_sklearn_cross_validate_example():
    pytest.importorskip("sklearn")
    env = dict(os.environ, PYTHONPATH=ROOT)
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "examples", "sklearn_cross_validate.py"),
         "--epochs", "5"], capture_output=True, text=True, env=env, cwd="/")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    out = result.stdout
    for name in ["fit_time", "score_time"] + [f"test_{s}" for s in SCORERS]:
        assert f"'{name}': array([" in out
    means = {name: float(re.search(rf"^mean {name}: (\d\.\d{{4}})$", out, re.M).group(1))
             for name in SCORERS}
    # 5 epochs on standardized breast-cancer features already separate the classes well
    assert means["accuracy"] > 0.85 and means["roc_auc"] > 0.9, means
    best = re.search(r"^best parameters: (\{.*\})$", out, re.M).group(1)
    assert set(eval(best)) == {"kerasclassifier__depth", "kerasclassifier__dropout"}
    assert float(re.search(r"^best accuracy: (\d\.\d{4})$", out, re.M).group(1)) > 0.8
