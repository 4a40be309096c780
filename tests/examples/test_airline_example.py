"""The airline-passengers LSTM tutorial runs as students run it and scores what it reports."""

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_airline_lstm_scores_like_the_tutorial():
    pytest.importorskip("sklearn")
    pytest.importorskip("pandas")
    env = dict(os.environ, PYTHONPATH=ROOT)
    result = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "airline_lstm.py")],
                            capture_output=True, text=True, env=env, cwd="/")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    out = result.stdout
    lines = out.splitlines()
    assert lines[0] == "Epoch 1/100" and "Epoch 100/100" in lines
    # 144 months -> 96 train / 48 test; windows of 3 leave 92 and 44 samples
    assert re.fullmatch(r"92/92 - \d+s - \d+(us|ms)/step - loss: \d\.\d{4}", lines[1])
    train = float(re.search(r"^Train Score: (\d+\.\d\d) RMSE$", out, re.M).group(1))
    test = float(re.search(r"^Test Score: (\d+\.\d\d) RMSE$", out, re.M).group(1))
    # the tutorial reports ~23 (train) and ~50 (test) passengers, "give or take the run"
    assert 18.0 <= train <= 30.0, out[-500:]
    assert 38.0 <= test <= 65.0, out[-500:]
