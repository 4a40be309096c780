"""python -m parity: the standard parity suite against real Keras, as a table.

    python -m parity                       # every component and tutorial, float32 and float64
    python -m parity -k adam -k relu       # a subset (substring match on the component)
    python -m parity --dtype float64 --json report.json --markdown summary.md --plot loss.png
    python -m parity --backend jax         # Keras on JAX instead of TensorFlow
    python -m parity --model my.keras --data x.npy [--labels y.npy]   # your own model

Exits 0 when every row is within tolerance, 1 otherwise (naming the failing rows).
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


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
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
    import numpy as np

    import minikeras

    from .core import first_divergence
    from .suite import TOLERANCE, Row, model_rows

    if not args.data:
        raise SystemExit("--model needs --data X.npy (the inputs to compare on)")
    model = minikeras.models.load_model(args.model)
    x = np.load(args.data)
    tol = TOLERANCE[model.layers[0].dtype]
    if args.labels:
        rows = model_rows(f"model {os.path.basename(args.model)}", model, x, np.load(args.labels),
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
