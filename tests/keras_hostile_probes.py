"""The hostile-file probes of issue 16, run against minikeras and against real Keras 3.

    PYTHONPATH=. python tests/keras_hostile_probes.py [--json out.json]

Not a test (pytest does not collect it): it records how each library behaves on the same
crafted files (tests/hostile_files.py), for README and the closing note. Each library runs in
its own subprocess, probes in order; before each, the peak RSS is reset to the current RSS
(Linux /proc/self/clear_refs) and the row says how far the peak (VmHWM) rose. (The tests
measure with `resource` in forked children instead; TensorFlow's threads make forking Keras
unsafe.)
"""

import json
import os
import subprocess
import sys
import tempfile
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), HERE]

RUNNER = textwrap.dedent("""
    import json, os, resource, sys, warnings
    warnings.simplefilter("ignore")
    import numpy as np
    import hostile_files as hf
    from saving_tools import data

    lib, probes, good = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
    if lib == "keras":
        import keras
        load_model = keras.saving.load_model
        fresh = lambda: keras.saving.load_model(good)
    else:
        from minikeras.saving import load_model
        fresh = lambda: load_model(good)

    def status_mb(field):
        return int(open("/proc/self/status").read().split(field + ":")[1].split()[0]) / 1024

    def peak_mb():  # VmHWM: the peak since the last reset (resource's ru_maxrss never drops)
        try:
            return status_mb("VmHWM")
        except (OSError, IndexError):
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def start_mb():
        # the RSS now, with the peak reset to it (Linux clear_refs "5"); else the peak so far
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            return status_mb("VmRSS")
        except (OSError, IndexError):
            return peak_mb()

    def values(model):
        return [np.array(w) for w in model.get_weights()]

    x, _ = data()
    for label, how, path in probes:
        model = fresh()
        model.set_weights([w + 1 for w in values(model)])  # other values than the file's
        model.predict(x, verbose=0)
        before = values(model)
        start = start_mb()
        try:
            if how == "load_weights":
                model.load_weights(path)
                outcome, loaded = "loaded", model
            else:
                loaded = load_model(path)
                outcome = "loaded"
            try:
                loaded.predict(x, verbose=0)
            except Exception as error:
                outcome = f"loaded; predict raises {type(error).__name__}: {error}"
        except Exception as error:
            outcome, loaded = f"{type(error).__name__}: {error}", None
        grown = peak_mb() - start
        after = values(model)
        blob = b"".join(np.ascontiguousarray(w).tobytes() for w in
                        after + (values(loaded) if loaded is not None else []))
        changed = [i for i, (u, v) in enumerate(zip(before, after)) if not np.array_equal(u, v)]
        print(json.dumps({"probe": label, "outcome": " ".join(outcome.split())[:300],
                          "outside_bytes_reached_model": hf.SECRET[:12] in blob,
                          "model_changed": bool(changed) and not outcome.startswith("loaded"),
                          "peak_rss_growth_mb": round(grown, 1)}), flush=True)
""")


def probes(folder, files):
    import hostile_files as hf

    crafts = hf.crafts(folder)
    out = []
    for kind in ("external storage", "external link", "soft link", "virtual dataset",
                 "shape bomb", "huge shape"):
        for fmt in hf.FORMATS:
            out.append([f"{kind} in {fmt}", "load_weights", hf.craft(files, fmt, folder, kind,
                                                                     crafts[kind])])
        out.append([f"{kind} in keras, load_model", "load_model",
                    hf.craft(files, "keras", folder, kind, crafts[kind])])
    for fmt in hf.FORMATS:
        out.append([f"string kernel in layer 2 of {fmt}", "load_weights",
                    hf.craft(files, fmt, folder, "strings", hf.strings_in_second_kernel, 1)])
    out.append(["contradictory build_config", "load_model", hf.contradictory_build(files, folder)])
    out.append(["Lambda numpy.tile (safe mode)", "load_model", hf.rewrite_keras(
        files["keras"], os.path.join(folder, "tile.keras"),
        config=hf.lambda_config("tile", {"reps": [1, 100_000_000]}))])
    out.append(["Lambda numpy.tanh (safe mode)", "load_model", hf.rewrite_keras(
        files["keras"], os.path.join(folder, "tanh.keras"), config=hf.lambda_config("tanh"))])
    out.append(["config asks for Dense(2*10**7): a 480 MB kernel", "load_model",
                hf.config_bomb(files, "keras", folder, units=2 * 10**7)])
    bomb = hf.zip_bomb(files["keras"], os.path.join(folder, "bomb.keras"))
    out.append(["zip bomb (256 MiB member), load_weights", "load_weights", bomb])
    out.append(["zip bomb (256 MiB member), load_model", "load_model", bomb])
    return out


def main():
    import hostile_files as hf
    from saving_tools import data, mlp

    folder = tempfile.mkdtemp(prefix="hostile-")
    x, y = data()
    model = mlp(seed=1)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    files = hf.good_files(model, folder)
    plan = probes(folder, files)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.path.dirname(HERE), HERE])}
    rows = {}
    for lib in ("minikeras", "keras"):
        done = subprocess.run([sys.executable, "-c", RUNNER, lib, json.dumps(plan),
                               files["keras"]], env=env, capture_output=True, text=True,
                              timeout=1200)
        rows[lib] = [json.loads(line) for line in done.stdout.splitlines()
                     if line.startswith("{")]
        if done.returncode:
            print(f"{lib} runner exited {done.returncode}: {done.stderr[-2000:]}")
    for mine, theirs in zip(rows["minikeras"], rows["keras"], strict=False):
        print(f"## {mine['probe']}")
        for name, row in (("minikeras", mine), ("Keras", theirs)):
            print(f"  {name:9s} {row['outcome'][:160]}\n            outside bytes in model: "
                  f"{row['outside_bytes_reached_model']}, model changed by the failed load: "
                  f"{row['model_changed']}, peak RSS +{row['peak_rss_growth_mb']} MB")
    if "--json" in sys.argv:
        with open(sys.argv[sys.argv.index("--json") + 1], "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
