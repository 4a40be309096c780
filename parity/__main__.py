"""python -m parity: the standard parity suite against real Keras, as a table.

    python -m parity                       # every component and tutorial, float32 and float64
    python -m parity -k adam -k relu       # a subset (substring match on the component)
    python -m parity --dtype float64 --json report.json --markdown summary.md --plot loss.png
    python -m parity --backend jax         # Keras on JAX instead of TensorFlow
    python -m parity --model my.keras --data x.npy [--labels y.npy]   # your own model

Exits 0 when every row is within tolerance, 1 otherwise (naming the failing rows), 2 when an
argument is wrong: a --model that does not load (damaged, refused: see README "What the loaders
refuse") or --data/--labels that are not a .npy of numbers fitting the model; one line, no
traceback.
"""

import argparse
import os
import sys
import time


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m parity", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default=os.environ.get("KERAS_BACKEND", "tensorflow"),
                        choices=["tensorflow", "jax"])
    parser.add_argument("--dtype", choices=["float32", "float64", "both"], default="both")
    parser.add_argument("-k", dest="select", action="append", default=[],
                        help="only components whose name contains this (repeatable)")
    parser.add_argument("--json", help="write the rows and environment as JSON")
    parser.add_argument("--markdown", help="write a Markdown table (for a CI job summary)")
    parser.add_argument("--plot", help="PNG of the Pima network's per-step loss, both sides")
    parser.add_argument("--model", help="a .keras file to check instead of the standard suite")
    parser.add_argument("--data", help="inputs for --model (.npy)")
    parser.add_argument("--labels", help="targets for --model (.npy): adds gradients and steps")
    parser.add_argument("--list", action="store_true", help="list the components and exit")
    return parser.parse_args(argv)


class UsageError(Exception):
    """A bad --model/--data/--labels: main() prints its one line and exits 2 (argparse's code)."""


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    try:
        return _main(args)
    except UsageError as error:
        print(f"python -m parity: error: {error}", file=sys.stderr)
        return 2


def _main(args):
    os.environ["KERAS_BACKEND"] = args.backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if args.backend == "jax":
        os.environ.setdefault("JAX_ENABLE_X64", "1")  # real float64 on JAX
    from .core import numerics_of

    with numerics_of(args.backend):  # compare like with like (see numerics_of)
        return run(args)


def run(args):
    """The comparisons main() asked for: print the table, write the reports; the exit code."""
    from minikeras.utils.progbar import Progbar

    from . import report, suite

    if args.list:
        print("\n".join(suite.cases()))
        return 0
    dtypes = ("float32", "float64") if args.dtype == "both" else (args.dtype,)
    start = time.perf_counter()
    if args.model:
        rows = user_model_rows(args, dtypes)
    else:
        bar = {}

        def progress(done, total, name):
            bar.setdefault("bar", Progbar(total, unit_name="case"))
            bar["bar"].update(done, finalize=done == total)

        rows = suite.run(dtypes, args.select, progress)
    seconds = time.perf_counter() - start
    info = report.environment()
    print(f"\nminikeras {info['minikeras']} ({info['kernels']} kernels) vs Keras {info['keras']} "
          f"on {info['backend']} ({info['device']}); {len(rows)} comparisons in {seconds:.1f} s")
    print(report.text_table(rows))
    if not args.model:
        for name, why in suite.left_out().items():
            print(f"left out: {name}: {why}")
    if args.json:
        with open(args.json, "w") as f:
            f.write(report.to_json(rows, info, seconds))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(report.markdown(rows, info, seconds))
    if args.plot:
        plot_pima(args.plot)
    failed = [r for r in rows if not r.ok]
    if failed:
        print(f"\n{len(failed)} comparison(s) outside tolerance:")
        for r in failed:
            print(f"  {r.component} [{r.dtype}] {r.quantity} {r.detail}: "
                  f"{r.rel_error:.2e} > {r.tolerance:.0e}")
        return 1
    print("\nall comparisons within tolerance")
    return 0


def user_model_rows(args, dtypes):
    from .core import first_divergence
    from .suite import TOLERANCE, Row, model_rows

    if not args.data:
        raise UsageError("--model needs --data X.npy (the inputs to compare on)")
    model = load_user_model(args.model)
    x = load_array(args.data, "--data")
    expected = model.input_shape
    if x.ndim != len(expected) or any(e is not None and e != g
                                      for e, g in zip(expected[1:], x.shape[1:], strict=False)):
        raise UsageError(f"--data {args.data}: the model takes inputs of shape {expected}, but "
                         f"the file holds shape {x.shape}")
    from minikeras.layers.base import to_numeric_array

    x = to_numeric_array(x, model.layers[0].dtype, argname="--data")  # warns on overflow
    tol = TOLERANCE[model.layers[0].dtype]
    if args.labels:
        y = load_array(args.labels, "--labels")
        if y.ndim == 0 or y.shape[0] != x.shape[0]:
            raise UsageError(f"--labels {args.labels}: {x.shape[0]} samples in --data, but "
                             f"the labels have shape {y.shape}")
        rows = model_rows(f"model {os.path.basename(args.model)}", model, x, y,
                          model.layers[0].dtype)
    else:
        from .core import compare_forward

        forward = compare_forward(model, x)
        rows = [Row(f"model {os.path.basename(args.model)}", "forward", "outputs",
                    forward["abs"], forward["rel"], tol["forward"])]
    for row in rows:
        row.dtype = model.layers[0].dtype
    parted = first_divergence(model, x, tol["forward"])
    if parted:
        print(f"first layer that parts from Keras: {parted['layer']} (rel {parted['rel']:.2e}; "
              f"at {parted['index']}: minikeras {parted['mine']!r}, Keras {parted['theirs']!r})")
    return rows


def load_user_model(path):
    import minikeras
    from minikeras.saving import SavedFileError

    try:
        model = minikeras.models.load_model(path)
    except (SavedFileError, OSError, ValueError, TypeError) as error:
        raise UsageError(f"--model {path}: {one_line(error)}") from None
    if not model.built:
        raise UsageError(f"--model {path}: the model is not built (its file records no input "
                         "shape), so there is nothing to compare")
    return model


def load_array(path, flag):
    """A .npy of numbers, memory-mapped so that a file declaring a huge shape allocates
    nothing (np.load refuses one larger than the file); pickled objects are refused."""
    import numpy as np

    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise UsageError(f"{flag} {path}: not a readable .npy file ({one_line(error)})") from None
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "biuf":
        raise UsageError(f"{flag} {path}: expected an array of numbers, got "
                         f"{getattr(array, 'dtype', type(array).__name__)}")
    return np.array(array)


def one_line(error):
    return " ".join(str(error).split()) or type(error).__name__


def plot_pima(path):

    from . import report, suite
    from .core import compare_train_steps

    suite.use_dtype("float32")
    x, y, note = suite.pima_data("float32")
    model = suite.mlp(8, [12, 8], 1, "sigmoid", "binary_crossentropy", seed=7)
    result = compare_train_steps(model, x, y, steps=200, batch_size=10)
    import keras

    report.plot_trajectory(path, result["losses_mine"], result["losses_keras"],
                           f"Pima MLP, float32, 200 Adam steps on the same batches\n"
                           f"Keras on {keras.backend.backend()}{note}")


if __name__ == "__main__":
    sys.exit(main())
