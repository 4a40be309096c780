"""`python -m benchmarks --quick` runs and reports in the documented structure (no timing is
ever asserted: the numbers depend on the machine)."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))


def _run(*args, timeout=240):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, "-m", "benchmarks", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    done = _run("--quick", "--only", "W1,W2,predict,sgemm,coldstart", "--peers",
                "minikeras,torch", "--json", str(out / "r.json"), "--plot", str(out / "r.png"))
    assert done.returncode == 0, done.stderr[-2000:]
    with open(out / "r.json") as f:
        return done.stdout, json.load(f), out


def test_json_structure(quick):
    _, results, _ = quick
    assert results["quick"] is True and results["peers"] == ["minikeras", "torch"]
    assert {"cpu", "cores", "python", "versions"} <= set(results["machine"])
    assert set(results["tasks"]) == {"W1", "W2", "predict"}
    for task in ("W1", "W2"):
        record = results["tasks"][task]["minikeras"]
        assert record["status"] == "ok", record
        assert record["seconds"] > 0 and len(record["times"]) == 1 and record["epochs"] == 2
        assert record["peak_rss_mb"] > 0
    predict = results["tasks"]["predict"]["minikeras"]
    assert predict["W1"]["one_sample"] > 0 and predict["W6"]["bulk_samples"] == 1000
    assert results["sgemm"]["gflops"] > 0
    assert results["coldstart"]["import minikeras"]["status"] == "ok"


def test_missing_peer_is_skipped_not_an_error(quick):
    stdout, results, _ = quick
    try:
        import torch  # noqa: F401
    except ImportError:
        assert results["tasks"]["W1"]["torch"]["status"] == "skipped"
        assert "torch: not run (torch is not installed)" in stdout
    else:
        assert results["tasks"]["W1"]["torch"]["status"] == "ok"


def test_table_and_plot(quick):
    stdout, _, out = quick
    header = stdout.splitlines()[0].split()
    assert header[:3] == ["task", "minikeras", "s"] and "torch/mk" in header
    assert any(line.startswith("W1 ") for line in stdout.splitlines())
    assert "sgemm (NumPy float32 matmul at W4's shapes)" in stdout
    pytest.importorskip("matplotlib")
    assert (out / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_task_is_refused_by_name():
    done = _run("--only", "W10", timeout=60)
    assert done.returncode == 2 and "W10" in done.stderr


def test_cold_start_variants_change_one_line_each(tmp_path):
    """The cold-start table's variants are the Pima script with exactly one line changed."""
    from benchmarks import machine

    with open(machine.PIMA) as f:
        original = f.read().splitlines()
    scripts = machine.pima_variants(str(tmp_path))
    assert set(scripts) == set(machine.PIMA_CHANGES)
    for name, path in scripts.items():
        with open(path) as f:
            lines = f.read().splitlines()
        changed = [new for old, new in zip(original, lines, strict=True) if old != new]
        assert len(changed) == 1 and machine.PIMA_CHANGES[name][1] in changed[0], name


@pytest.mark.parametrize("task", ["W6", "W7", "W8", "W9"])
def test_the_pytorch_peer_builds_the_same_networks(task):
    """The PyTorch peer's model has the Keras model's parameters (nn.LSTM keeps a second bias,
    4 * units more; nn.GRU's second bias is Keras's reset_after row), and maps a batch of the
    workload's inputs to the same output shape."""
    torch = pytest.importorskip("torch")
    from benchmarks.peers import KerasAPI, TorchPeer
    from benchmarks.workloads import workloads

    workload = workloads(quick=True)[task]
    mine = KerasAPI("minikeras").build(workload)
    theirs = TorchPeer("torch").build(workload)
    lstm_units = sum(spec[1] for spec in workload.layers if spec[0] == "lstm")
    assert sum(p.numel() for p in theirs.parameters()) == mine.count_params() + 4 * lstm_units
    x, _ = workload.arrays()
    with torch.no_grad():
        out = TorchPeer("torch").predict(theirs, x[:3])
    assert out.shape == mine.predict(x[:3], verbose=0).shape
