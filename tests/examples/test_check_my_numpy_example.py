"""examples/check_my_numpy.py (the README's worked example) runs and prints what it claims: the
student's Dense, LSTM and Adam pass, the LSTM with gates i,f,o,c fails with its hint."""

import os
import runpy

import pytest

pytest.importorskip("keras")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_the_worked_example(capsys):
    script = runpy.run_path(os.path.join(ROOT, "examples", "check_my_numpy.py"))
    assert script["main"]() == 0
    out = capsys.readouterr().out
    assert out.count("check_layer: ") == 3
    assert "all 4 quantities match Keras within tolerance" in out
    assert "all 5 quantities match Keras within tolerance" in out
    assert "all 20 quantities match Keras within tolerance (20 steps)" in out
    assert "FAIL: forward y differs from Keras" in out
    assert "worst at index (" in out and ": yours " in out and ", Keras " in out
    assert "hint: matches Keras with the gates in the order i,f,o,c instead of Keras's i,f,c,o" \
        in out
