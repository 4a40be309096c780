"""Progbar: the same updates in minikeras and in Keras 3 print the same bytes.

Time is a fake clock (`time.time` patched for both libraries), so durations, ETAs and the
redraw throttle are the same on both sides. Keras always redraws in place on Linux; minikeras
does so only on a terminal, so the live-bar comparisons force `_dynamic_display = True` on
minikeras, and the pipe comparisons check that minikeras prints exactly Keras's last redraw.
"""

import contextlib
import io
import sys
import time

import numpy as np
import pytest
from conftest import Clock
from hypothesis import given, settings
from hypothesis import strategies as st

from minikeras.utils import progbar as mk_progbar
from minikeras.utils.progbar import Progbar, format_eta, format_time, is_dynamic_display

keras = pytest.importorskip("keras")
from keras.src.utils import progbar as keras_progbar  # noqa: E402


def run(make, script, clock, dynamic=None):
    """Build a bar with make() at t=1000, play (dt, current, values, finalize); return stdout."""
    clock.now = 1000.0
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        bar = make()
        if dynamic is not None:
            bar._dynamic_display = dynamic
        for dt, current, values, finalize in script:
            clock.now += dt
            if current is None:
                bar.add(1, values)
            else:
                bar.update(current, values, finalize=finalize)
    return out.getvalue()


def both(kwargs, script, clock):
    """(minikeras forced to redraw in place, minikeras into a pipe, Keras) outputs."""
    mine_live = run(lambda: Progbar(**kwargs), script, clock, dynamic=True)
    mine_pipe = run(lambda: Progbar(**kwargs), script, clock, dynamic=False)
    theirs = run(lambda: keras_progbar.Progbar(**kwargs), script, clock)
    return mine_live, mine_pipe, theirs


def last_redraws(keras_output):
    """What a terminal shows after Keras's redraws: per line, the text after the last \\r."""
    lines = keras_output.split("\n")
    return [line.rsplit("\r", 1)[-1].rstrip(" ") for line in lines[:-1]]


def check(kwargs, script, clock):
    mine_live, mine_pipe, theirs = both(kwargs, script, clock)
    assert mine_live == theirs, f"live bar differs:\nmine  ={mine_live!r}\ntheirs={theirs!r}"
    if kwargs.get("verbose", 1) == 2:
        assert mine_pipe == theirs, f"verbose=2 differs:\nmine  ={mine_pipe!r}\ntheirs={theirs!r}"
    else:
        assert mine_pipe.split("\n")[:-1] == last_redraws(theirs), (
            f"pipe output is not Keras's last redraw:\nmine  ={mine_pipe!r}\ntheirs={theirs!r}")
        assert "\r" not in mine_pipe and "\b" not in mine_pipe
    return mine_live, mine_pipe


def epoch(target, dt, logs):
    """One epoch as ProgbarLogger drives it: update(1..target), then a final update."""
    steps = [(dt, i + 1, list(logs(i).items()), False) for i in range(target)]
    return steps + [(0.0, target, list(logs(target - 1).items()), True)]


@pytest.mark.parametrize("verbose", [1, 2])
@pytest.mark.parametrize("target,dt", [(24, 0.002), (1, 0.5), (77, 0.0004), (1000, 2.5)])
def test_epoch_matches_keras(clock, verbose, target, dt):
    logs = lambda i: {"accuracy": 0.5 + 0.01 * i, "loss": 0.9 / (i + 1)}  # noqa: E731
    kwargs = dict(target=target, verbose=verbose, stateless_metrics=set())
    live, pipe = check(kwargs, epoch(target, dt, logs), clock)
    assert pipe.count("\n") == 1  # one line per epoch, whatever the verbosity


def test_golden_line_shapes(clock):
    """The two line shapes of the brief, built from Keras's own codes."""
    kwargs = dict(target=24, verbose=1, stateless_metrics=set())
    logs = lambda i: {"accuracy": 0.7012, "loss": 0.5514}  # noqa: E731
    _, pipe = check(kwargs, epoch(24, 0.002, logs), clock)
    assert pipe == ("\x1b[1m24/24\x1b[0m \33[32m" + "━" * 20 + "\x1b[0m\33[37m\x1b[0m "
                    "\x1b[1m0s\x1b[0m 2ms/step - accuracy: 0.7012 - loss: 0.5514\n")
    _, pipe = check(dict(kwargs, target=77, verbose=2), epoch(77, 0.002, logs), clock)
    assert pipe == "77/77 - 0s - 2ms/step - accuracy: 0.7012 - loss: 0.5514\n"


@pytest.mark.parametrize("verbose", [1, 2])
@pytest.mark.parametrize(
    "value", [0.0, 1e-5, -1e-5, 1e-3, -1e-3, 0.0011, -0.5, 12345.678, 1e12, np.nan, np.inf,
              np.float32(0.1), np.float64(2e-4), 3, np.array(0.25), [0.0, 1.0, 2.0]])
def test_value_formatting_matches_keras(clock, verbose, value):
    """%.4f / %.4e on both sides of 1e-3 (abs only for verbose=1), ints, arrays, lists."""
    script = [(0.01, 1, [("v", value)], False), (0.01, 2, [("v", value)], False),
              (0.01, 3, [("v", value)], True)]
    for kwargs in [dict(stateful_metrics=["v"]), dict(), dict(stateless_metrics=["v"])]:
        check(dict(target=3, verbose=verbose, interval=0.0, **kwargs), script, clock)


@pytest.mark.parametrize("dt", [0.0, 3e-7, 4e-5, 0.0015, 0.3, 1.0, 7.0, 95.0, 4000.0])
def test_time_and_eta_formats_match_keras(clock, dt):
    """us/ms/s per step, and the ETA as s, m:ss and h:mm:ss, on every live redraw."""
    script = [(dt, i, [("loss", 1.0 / i)], False) for i in range(1, 5)]
    script.append((dt, 50, [("loss", 0.1)], None))
    check(dict(target=50, verbose=1, interval=0.0), script, clock)
    check(dict(target=50, verbose=2, interval=0.0), script, clock)


def test_format_helpers_match_keras():
    kbar = keras_progbar.Progbar(target=1)
    for t in [0, 1e-7, 5e-4, 1e-3, 0.999, 1, 12.5]:
        assert format_time(t, "sample") == kbar._format_time(t, "sample")
    etas = [format_eta(e) for e in (3.9, 61.5, 3600.0, 3725.0)]
    assert etas == ["3s", "1:01", "60:00", "1:02:05"]


@pytest.mark.parametrize("target", [None, 0])
def test_unknown_target_matches_keras(clock, target):
    script = [(0.01, i, [("loss", 0.5)], None) for i in range(1, 4)] + [(0.01, 3, [], True)]
    for verbose in (1, 2):
        check(dict(target=target, verbose=verbose, interval=0.0), script, clock)


def test_repeated_step_averages_like_keras(clock):
    """update() at the same step twice still counts the value once (max(current - seen, 1))."""
    script = [(0.01, 0, [("loss", 4.0)], False), (0.01, 2, [("loss", 1.0)], False),
              (0.01, 2, [("loss", 7.0)], False), (0.01, 5, [("loss", 2.0)], None)]
    live, _ = check(dict(target=6, verbose=1, interval=0.0), script, clock)
    assert "loss: 4.0000" in live  # the first update, at step 0, still weighs 1


def test_throttle_shrinking_line_add_and_units_match_keras(clock):
    """Redraws closer than `interval` are skipped; a shorter line is blanked; add(); unit_name."""
    script = [(0.01, None, [("loss", 123.0), ("acc", 0.5)], None),
              (0.01, None, [("loss", 2.0)], None),
              (0.2, None, [("loss", 2.0)], None),
              (0.01, 3, [("loss", 0.5)], False),
              (0.3, 10, [("loss", 0.25)], None)]
    live, _ = check(dict(target=10, width=7, interval=0.05, unit_name="sample"), script, clock)
    assert live.count("\r") < len(script)  # the throttle did skip a redraw
    assert " \n" in live or "  " in live  # a longer old line was blanked with spaces


@settings(max_examples=40, deadline=None)
@given(target=st.one_of(st.none(), st.integers(1, 3000)), width=st.integers(1, 40),
       verbose=st.sampled_from([1, 2]), interval=st.sampled_from([0.0, 0.05, 1.0]),
       kind=st.sampled_from(["stateful", "stateless", "default"]),
       steps=st.lists(st.tuples(st.floats(0, 5000), st.integers(0, 2) | st.integers(0, 400),
                                st.floats(-1e4, 1e4, allow_nan=False), st.booleans()),
                      min_size=1, max_size=12))
def test_random_scripts_match_keras(target, width, verbose, interval, kind, steps):
    """Any sequence of updates: odd targets, widths, jumps, repeats, values, names."""
    kwargs = dict(target=target, width=width, verbose=verbose, interval=interval)
    if kind != "default":
        kwargs[f"{kind}_metrics"] = ["a"]
    script, current = [], 0
    for dt, jump, value, second in steps:
        current += jump
        values = [("a", value)] + ([("b", value * 1e-4)] if second else [])
        script.append((dt, current, values, None))
    clock = Clock()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(time, "time", clock)
        check(kwargs, script, clock)


def test_non_ascii_stdout_falls_back_like_keras(clock):
    script = epoch(4, 0.01, lambda i: {"loss": 0.5})
    outputs = []
    for make in (lambda: Progbar(4, stateless_metrics=set()),
                 lambda: keras_progbar.Progbar(4, stateless_metrics=set())):
        clock.now = 1000.0
        raw = io.BytesIO()
        stream = io.TextIOWrapper(raw, encoding="ascii", write_through=True)
        with contextlib.redirect_stdout(stream):
            bar = make()
            bar._dynamic_display = True
            for dt, current, values, finalize in script:
                clock.now += dt
                bar.update(current, values, finalize=finalize)
        outputs.append(raw.getvalue())
    assert outputs[0] == outputs[1] and b"=" * 20 in outputs[0]


def test_dynamic_display_only_on_a_terminal(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)
    with contextlib.redirect_stdout(io.StringIO()):
        assert not is_dynamic_display() and not Progbar(3)._dynamic_display
    with contextlib.redirect_stdout(Tty()):
        assert is_dynamic_display() and Progbar(3)._dynamic_display
    monkeypatch.setenv("PYCHARM_HOSTED", "1")
    with contextlib.redirect_stdout(io.StringIO()):
        assert is_dynamic_display()


def test_writes_to_current_stdout(capsys, clock):
    """sys.stdout is looked up at write time: pytest's capsys sees the final line only."""
    bar = Progbar(2, stateless_metrics=set())
    bar.update(1, [("loss", 0.5)])
    assert capsys.readouterr().out == ""
    bar.update(2, [("loss", 0.25)])
    assert capsys.readouterr().out.endswith("- loss: 0.2500\n")
    assert mk_progbar.sys is sys


def test_verbose_0_is_silent(capsys, clock):
    bar = Progbar(3, verbose=0)
    for i in range(1, 4):
        bar.update(i, [("loss", 1.0)])
    assert capsys.readouterr().out == ""


def test_bad_arguments():
    with pytest.raises(ValueError, match="Only one of `stateful_metrics` or `stateless_metrics`"):
        Progbar(target=1, stateful_metrics=[], stateless_metrics=[])
    with pytest.raises(TypeError, match="target='10'"):
        Progbar(target="10")
    with pytest.raises(TypeError, match="target=True"):
        Progbar(target=True)


@pytest.mark.parametrize(
    "stateful,stateless,expected",
    [([], None, "1."), (["value"], None, "2."), (None, [], "2."), (None, ["value"], "1.")])
def test_keras_golden_stateful_stateless(stateful, stateless, expected, clock):
    """Golden from keras/src/utils/progbar_test.py::test_stateful_stateless_output."""
    pb = Progbar(target=3, stateful_metrics=stateful, stateless_metrics=stateless, interval=0.0)
    pb._dynamic_display = True
    with contextlib.redirect_stdout(io.StringIO()):
        pb.update(1, values=[("value", 0.0)])
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        pb.update(2, values=[("value", 2.0)])
    assert f"value: {expected}" in captured.getvalue()
