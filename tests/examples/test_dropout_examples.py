"""The Dropout tutorial scripts run as students run them and learn: the covertype-shaped
network with validation_split (seed 002) and the course MLP with dropout on Pima (seed 000)."""

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytest.importorskip("sklearn")


def run_example(name, *args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    result = subprocess.run([sys.executable, os.path.join(ROOT, "examples", name), *args],
                            capture_output=True, text=True, env=env, cwd="/")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


def test_covertype_dropout_trains_with_validation_split():
    out = run_example("covertype_dropout.py", "--samples", "6000", "--epochs", "10")
    lines = out.splitlines()
    assert lines[0] == "Epoch 1/10" and "Epoch 10/10" in lines
    # 6000 samples, 20% test, then 20% of the rest for validation: 3840 / 32 = 120 steps
    epoch_line = re.compile(r"120/120 - \d+s - \d+(us|ms|s)/step - accuracy: \d\.\d{4} - "
                            r"loss: \d\.\d{4} - val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}")
    assert all(epoch_line.fullmatch(line) for line in lines[1:20:2])
    assert "history keys: ['accuracy', 'loss', 'val_accuracy', 'val_loss']" in out
    test_accuracy = float(re.search(r"test accuracy: (\d\.\d+)", out).group(1))
    assert test_accuracy > 0.7  # 7 classes: chance is ~0.14


def test_covertype_dropout_is_repeatable():
    args = ("--samples", "1000", "--epochs", "2")
    first = re.sub(r" - \d+s - \d+(us|ms|s)/step", "", run_example("covertype_dropout.py", *args))
    again = re.sub(r" - \d+s - \d+(us|ms|s)/step", "", run_example("covertype_dropout.py", *args))
    assert first == again  # np.random.seed fixes the data, the weights and every dropout mask


def test_mlp_dropout_on_pima():
    out = run_example("mlp_dropout.py")
    assert len(re.findall(r"│ dropout(_\d)? \(Dropout\) +│ \(None, 10\) +│ +0 │", out)) == 5
    accuracy = float(re.search(r"accuracy on all data \(no dropout\): (\d\.\d+)", out).group(1))
    assert accuracy >= 0.72  # the Pima tutorials report ~0.76-0.79; the majority class is 0.65
    val_accuracy = float(re.search(r"final val_accuracy: (\d\.\d+)", out).group(1))
    assert val_accuracy >= 0.70
