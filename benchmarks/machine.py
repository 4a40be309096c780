"""The machine and the costs a student sees before training starts.

- `describe()`: CPU model, cores, Python, NumPy/numba/Keras/TensorFlow/JAX/torch versions.
- `sgemm_rate()`: NumPy float32 matmul GFLOP/s at W4's shapes (batch 128: 784x512, 512x512,
  512x10 forward; their transposed backward products), the physical limit W4 is judged by.
- `cold_start()`: wall seconds of `import minikeras`, of the Pima tutorial script with an empty
  numba cache (NUMBA_CACHE_DIR pointed at a fresh temporary folder) and with that cache warm,
  and of the same script on Keras (benchmarks/scripts/pima_keras.py), each in a new process.
"""

import importlib.metadata
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
PIMA = os.path.join(ROOT, "examples", "pima_first_network.py")
PIMA_KERAS = os.path.join(ROOT, "benchmarks", "scripts", "pima_keras.py")


def describe():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    versions = {}
    for package in ("numpy", "numba", "keras", "tensorflow", "tensorflow-cpu", "jax", "torch"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "versions": versions, "blas": blas()}


def blas():
    """The BLAS builds in use: NumPy's (its matmuls, Keras/TF aside) and SciPy's (the one
    numba's np.dot calls inside compiled kernels), with the kernel family OpenBLAS picked for
    this CPU (e.g. Haswell, SkylakeX, Zen) and its thread count; OPENBLAS_CORETYPE if set."""
    import scipy.linalg  # noqa: F401  (loads SciPy's BLAS, so threadpoolctl sees it)

    found = {}
    try:
        import threadpoolctl

        for lib in threadpoolctl.threadpool_info():
            if lib.get("user_api") == "blas":
                owner = "numpy" if "numpy" in lib["filepath"] else (
                    "scipy" if "scipy" in lib["filepath"] else os.path.basename(lib["filepath"]))
                found[owner] = {k: lib.get(k) for k in ("internal_api", "version",
                                                        "architecture", "num_threads")}
    except ImportError:  # threadpoolctl comes with scikit-learn; the build info will do
        import scipy

        for name, module in (("numpy", np), ("scipy", scipy)):
            info = module.show_config(mode="dicts")["Build Dependencies"]["blas"]
            found[name] = {"name": info.get("name"), "version": info.get("version")}
    for variable in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(variable):
            found[variable] = os.environ[variable]
    return found


def sgemm_rate(repeats=20, rounds=5):
    """GFLOP/s of float32 matmuls at W4's training shapes: the median of `repeats` passes,
    the best of `rounds` such medians. The rate is the denominator of "% of sgemm", so a
    moment when the machine is busy must not lower it: one run's single median once read
    68.5 GFLOP/s against 198-222 in the minutes around it (and W4 "253% of sgemm")."""
    rng = np.random.default_rng(0)
    shapes = [(128, 784, 512), (128, 512, 512), (128, 512, 10),  # forward: x @ kernel
              (784, 128, 512), (512, 128, 512), (512, 128, 10),  # dkernel = x.T @ dz
              (128, 512, 512), (128, 10, 512)]  # dx = dz @ kernel.T (first layer's not needed)
    pairs = [(rng.standard_normal((m, k)).astype("float32"),
              rng.standard_normal((k, n)).astype("float32")) for m, k, n in shapes]
    flops = sum(2.0 * m * k * n for m, k, n in shapes)
    for a, b in pairs:
        a @ b
    medians = []
    for _ in range(rounds):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            for a, b in pairs:
                a @ b
            times.append(time.perf_counter() - start)
        medians.append(float(np.median(times)))
    return {"gflops": flops / min(medians) / 1e9, "shapes": shapes}


def _wall(args, env=None, timeout=600):
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        return {"status": "error", "reason": done.stderr.strip().splitlines()[-1:]}
    return {"status": "ok", "seconds": seconds, "stdout": done.stdout}


def cold_start(with_keras=True, with_scripts=True):
    """The rows of the cold-start table (seconds of wall time, each a fresh process).

    Python writes its bytecode (.pyc) as it does by default: minikeras's own .pyc files are
    removed first, so the empty-cache run compiles minikeras's Python too and the later runs
    read it, as on a student's machine. Some environments set PYTHONDONTWRITEBYTECODE (this
    project's machines do): one more row gives the warm run under that setting, where every
    run compiles minikeras's ~200 modules from source (NumPy's, numba's and SciPy's come
    with their installs either way)."""
    env = dict(os.environ, MINIKERAS_KERNELS="numba")
    no_pyc = dict(env, PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return _cold_start_rows(env, no_pyc, with_keras, with_scripts)


def _remove_bytecode(folder):
    """Delete the .pyc files in the __pycache__ folders under `folder`."""
    for here, _, files in os.walk(folder):
        if os.path.basename(here) == "__pycache__":
            for name in files:
                if name.endswith(".pyc"):
                    os.remove(os.path.join(here, name))


def _cold_start_rows(env, no_pyc, with_keras, with_scripts):
    code = ("import time; t = time.perf_counter(); import minikeras; "
            "print(time.perf_counter() - t)")
    rows = {}
    _wall([sys.executable, "-c", code], env)  # writes the .pyc files the timed import reads
    result = _wall([sys.executable, "-c", code], env)
    if result["status"] == "ok":
        result["seconds"] = float(result.pop("stdout").split()[-1])
    rows["import minikeras"] = result
    if not with_scripts:
        return rows
    with tempfile.TemporaryDirectory(prefix="minikeras-numba-cache-") as cache:
        env_cold = dict(env, NUMBA_CACHE_DIR=cache)
        _remove_bytecode(os.path.join(ROOT, "minikeras"))
        rows["Pima script, empty numba cache"] = _strip(_wall([sys.executable, PIMA], env_cold))
        rows["Pima script, warm numba cache"] = _strip(_wall([sys.executable, PIMA], env_cold))
        rows["Pima script, warm numba cache, no .pyc (PYTHONDONTWRITEBYTECODE=1)"] = _strip(
            _wall([sys.executable, PIMA], dict(no_pyc, NUMBA_CACHE_DIR=cache)))
        # what a student's next edit costs: the script with one change, twice (the first run
        # compiles what the change needs, the second shows the steady time)
        with tempfile.TemporaryDirectory(prefix="minikeras-pima-variants-") as folder:
            os.symlink(os.path.join(ROOT, "examples", "data"), os.path.join(folder, "data"))
            for name, script in pima_variants(folder).items():
                for run in ("first run", "again"):
                    rows[f"Pima script with {name}, {run}"] = _strip(
                        _wall([sys.executable, script], env_cold))
    if with_keras:
        env_keras = dict(env, KERAS_BACKEND="tensorflow", CUDA_VISIBLE_DEVICES="",
                         TF_CPP_MIN_LOG_LEVEL="3")
        rows["Pima script on Keras/TensorFlow"] = _strip(_wall([sys.executable, PIMA_KERAS],
                                                               env_keras))
    return rows


PIMA_CHANGES = {  # a student's one-line edits of the tutorial script
    'loss="mse"': ('loss="binary_crossentropy"', 'loss="mse"'),
    "a tanh hidden layer": ('Dense(12, activation="relu"', 'Dense(12, activation="tanh"'),
    'optimizer="sgd"': ('optimizer="adam"', 'optimizer="sgd"'),
}


def pima_variants(folder):
    """{change: path of the Pima script with that one change, written into folder}."""
    with open(PIMA) as f:
        source = f.read()
    scripts = {}
    for i, (name, (old, new)) in enumerate(PIMA_CHANGES.items()):
        if old not in source:
            raise ValueError(f"the Pima script no longer contains {old!r}")
        scripts[name] = os.path.join(folder, f"pima_variant_{i}.py")
        with open(scripts[name], "w") as f:
            f.write(source.replace(old, new))
    return scripts


def _strip(result):
    result.pop("stdout", None)
    return result
