"""Run the 16 Sequential example scripts of Keras 2's `examples/` folder on minikeras.

Each script is read from a clone of keras-team/keras at tag 2.3.1 (they are not copied into
this repository), its imports are changed from `keras` to `minikeras` and nothing else, except
the shortening listed in SHORTER (fewer epochs / samples), and it runs in its own process on
the small stand-in datasets of standins.py (real file formats, random contents):

    python examples/keras2/run_keras2_examples.py --git-dir PATH/TO/keras/.git [--only mnist_mlp]

It prints one line per script: "ran" (to its end), or "failed" with the last error line; a
failure from a layer that the convolution issue adds (Conv1D/2D/3D, pooling, Embedding,
BatchNormalization, ConvLSTM2D) is reported as "pending: <layer>".
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

SCRIPTS = ["mnist_mlp", "mnist_cnn", "mnist_irnn", "mnist_transfer_cnn", "mnist_sklearn_wrapper",
           "imdb_lstm", "imdb_cnn", "imdb_cnn_lstm", "imdb_fasttext", "imdb_bidirectional_lstm",
           "reuters_mlp", "addition_rnn", "lstm_text_generation", "lstm_stateful", "cifar10_cnn",
           "conv_lstm"]

# The only edits besides the imports: fewer epochs, iterations and samples (literal replacements;
# each must match, so a changed script fails loudly instead of running in full).
SHORTER = {
    "mnist_mlp": [("epochs = 20", "epochs = 1")],
    "mnist_cnn": [("epochs = 12", "epochs = 1")],
    "mnist_irnn": [("epochs = 200", "epochs = 1")],
    "mnist_transfer_cnn": [("epochs = 5", "epochs = 1")],
    "mnist_sklearn_wrapper": [("'epochs': [3, 6]", "'epochs': [1]"),
                              ("[[32], [64], [32, 32], [64, 64]]", "[[32], [32, 32]]")],
    "imdb_lstm": [("epochs=15", "epochs=1")],
    "imdb_cnn": [("epochs = 2", "epochs = 1")],
    "imdb_cnn_lstm": [("epochs = 2", "epochs = 1")],
    "imdb_fasttext": [("epochs = 5", "epochs = 1")],
    "imdb_bidirectional_lstm": [("epochs=4", "epochs=1")],
    "reuters_mlp": [("epochs = 5", "epochs = 1")],
    "addition_rnn": [("TRAINING_SIZE = 50000", "TRAINING_SIZE = 2000"),
                     ("range(1, 200)", "range(1, 3)")],
    "lstm_text_generation": [("epochs=60", "epochs=1")],
    "lstm_stateful": [("epochs = 10", "epochs = 2"), ("input_len = 1000", "input_len = 200")],
    "cifar10_cnn": [("epochs = 100", "epochs = 1")],
    "conv_lstm": [("generate_movies(n_samples=1200)", "generate_movies(n_samples=40)"),
                  ("[:1000]", "[:30]"), ("epochs=300", "epochs=1"),
                  ("which = 1004", "which = 34"),
                  # not a shortening: NumPy 1.24 removed the alias np.float the script uses
                  ("dtype=np.float)", "dtype=float)")],
}

PENDING = ("Conv1D", "Conv2D", "Conv3D", "MaxPooling1D", "MaxPooling2D", "GlobalMaxPooling1D",
           "GlobalAveragePooling1D", "Embedding", "BatchNormalization", "ConvLSTM2D",
           "convolutional", "normalization", "embeddings", "pooling")


def change_imports(source):
    """`keras` -> `minikeras` in import statements only."""
    source = re.sub(r"^(\s*)import keras\b(?!\.)", r"\1import minikeras as keras", source,
                    flags=re.M)
    source = re.sub(r"^(\s*)import keras\.", r"\1import minikeras.", source, flags=re.M)
    return re.sub(r"^(\s*)from keras(\.| import)", r"\1from minikeras\2", source, flags=re.M)


def shorten(name, source):
    for old, new in SHORTER.get(name, []):
        if old not in source:
            raise ValueError(f"{name}: expected to find {old!r} to shorten the run")
        source = source.replace(old, new)
    return source


BOOTSTRAP = """
import os, sys
sys.path.insert(0, {here!r})
import matplotlib
matplotlib.use("Agg")
import standins
standins.install({folder!r}, {name!r}[:-3])
os.chdir({folder!r})
source = open({script!r}).read()
exec(compile(source, {name!r}, "exec"), {{"__name__": "__main__"}})
"""


def run(name, source, timeout):
    with tempfile.TemporaryDirectory() as folder:
        script = os.path.join(folder, f"{name}.py")
        with open(script, "w") as f:
            f.write(shorten(name, change_imports(source)))
        code = BOOTSTRAP.format(here=os.path.dirname(os.path.abspath(__file__)), folder=folder,
                                script=script, name=f"{name}.py")
        env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=os.pathsep.join(
            [os.getcwd(), os.environ.get("PYTHONPATH", "")]))
        start = time.perf_counter()
        try:
            done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            return "failed", f"timed out after {timeout} s", time.perf_counter() - start
    seconds = time.perf_counter() - start
    if done.returncode == 0:
        return "ran", "", seconds
    lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else f"exit code {done.returncode}"
    missing = [layer for layer in PENDING if re.search(rf"\b{layer}\b", last)]
    if missing and ("ImportError" in last or "ModuleNotFoundError" in last
                    or "has no attribute" in last):
        return "pending", missing[0], seconds
    return "failed", last, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--git-dir", required=True, help="a clone of keras-team/keras")
    parser.add_argument("--tag", default="2.3.1")
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--timeout", type=int, default=600)
    args = parser.parse_args(argv)
    results = {}
    for name in args.only or SCRIPTS:
        source = subprocess.run(["git", "--git-dir", args.git_dir, "show",
                                 f"{args.tag}:examples/{name}.py"], capture_output=True,
                                text=True, check=True).stdout
        status, detail, seconds = run(name, source, args.timeout)
        results[name] = status
        print(f"{name:26s} {status:8s} {seconds:6.1f} s  {detail}", flush=True)
    ran = sum(s == "ran" for s in results.values())
    pending = sum(s == "pending" for s in results.values())
    print(f"\n{ran} of {len(results)} ran to the end; {pending} pending on the convolution "
          f"issue's layers; {len(results) - ran - pending} failed.")
    return 0 if ran + pending == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
