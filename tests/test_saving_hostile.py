"""Hostile and damaged files (issue 16): every loader reads nothing outside the file, allocates
only what the model implies, runs nothing from the file in safe mode, and changes nothing when
it fails. The crafted files are built here (tests/hostile_files.py) from a good save.

Memory: the probes that used to allocate gigabytes run in a subprocess (so that peak RSS can be
measured with `resource` and this process stays small), each in a child forked from it (whose
ru_maxrss starts at its RSS), and must raise the peak by less than RSS_BOUND_MB. A refusal
measures ~14 MB there (page copies after the fork, h5py's and zipfile's buffers), as a genuine
load of the small model does; the probes reached 3-8 GB before.
"""

import json
import os
import re
import subprocess
import sys
import textwrap

import hostile_files as hf
import numpy as np
import pytest
from saving_tools import data, mlp, use_model_class

from minikeras.layers import lambda_layer
from minikeras.saving import SavedFileError, load_model

RSS_BOUND_MB = 64


@pytest.fixture(autouse=True)
def _model_class(monkeypatch):
    use_model_class(monkeypatch)


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """(folder, {format: path}) of a model trained one epoch (its optimizer has slots)."""
    folder = str(tmp_path_factory.mktemp("hostile"))
    x, y = data()
    model = mlp(seed=1)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    return folder, hf.good_files(model, folder)


def target_model(fit=True):
    """The model a file is loaded into: other values than the files' (seed 2)."""
    x, y = data()
    model = mlp(seed=2)
    if fit:
        model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    return model


def state(model):
    return ([w.copy() for w in model.get_weights()],
            [v.value.copy() for v in model.optimizer.variables], model.optimizer.built)


def assert_unchanged(model, before, what):
    weights, slots, built = state(model)
    assert built == before[2], f"{what}: optimizer.built {before[2]} -> {built}"
    assert len(slots) == len(before[1]), f"{what}: optimizer variables {len(before[1])} -> " \
                                         f"{len(slots)}"
    for i, (u, v) in enumerate(zip(before[0] + before[1], weights + slots, strict=True)):
        assert u.dtype == v.dtype and np.array_equal(u, v), \
            f"{what}: variable {i} changed:\nbefore {u!r}\nafter  {v!r}"
    blob = b"".join(np.ascontiguousarray(w).tobytes() for w in weights + slots)
    assert hf.SECRET[:12] not in blob, f"{what}: bytes of the outside file reached the model"


# ---- links, outside storage, virtual datasets -----------------------------------------------

REFUSALS = {"external storage": "keeps its data in external file(s)",
            "external link": "is an external link",
            "soft link": "is a soft link",
            "virtual dataset": "is a virtual dataset"}


@pytest.mark.parametrize("fmt", hf.FORMATS)
@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_links_and_outside_storage_are_refused(good, kind, fmt):
    folder, files = good
    path = hf.craft(files, fmt, folder, kind, hf.crafts(folder)[kind])
    model = target_model()
    before = state(model)
    for skip_mismatch in (False, True):  # a refusal is never "skipped" as a mismatch
        with pytest.raises(SavedFileError) as error:
            model.load_weights(path, skip_mismatch=skip_mismatch)
        text = str(error.value)
        assert path in text and REFUSALS[kind] in text, text
        assert_unchanged(model, before, f"{kind} in {fmt}, skip_mismatch={skip_mismatch}")
    if fmt != "weights.h5":
        with pytest.raises(SavedFileError, match=re.escape(REFUSALS[kind])):
            load_model(path)


# ---- memory: probes in a subprocess, peak RSS measured ----------------------------------------

PROBE = textwrap.dedent("""
    import json, os, resource, sys, warnings
    warnings.simplefilter("ignore")
    from saving_tools import mlp
    from minikeras.saving import load_model

    model = mlp(seed=2)  # built, not trained: no kernel compiled, no thread started
    results = []
    for label, how, path in json.loads(sys.argv[1]):
        read, write = os.pipe()
        if os.fork() == 0:  # a fresh peak per probe: a child's ru_maxrss starts at its RSS
            os.close(read)
            vm = next(int(l.split()[1]) for l in open("/proc/self/status")
                      if l.startswith("VmSize"))
            # a regression fails with MemoryError instead of taking the machine's memory
            resource.setrlimit(resource.RLIMIT_AS, ((vm << 10) + (3 << 30), -1))
            start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            try:
                model.load_weights(path) if how == "load_weights" else load_model(path)
                outcome = ["loaded", ""]
            except BaseException as error:
                outcome = [type(error).__name__, str(error)]
            grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start) / 1024
            os.write(write, json.dumps([label, *outcome, grown]).encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as f:
            results.append(json.loads(f.read()))
        os.wait()
    print(json.dumps(results))
""")



def memory_probes(folder, files):
    crafts = hf.crafts(folder)
    probes = []
    for fmt in hf.FORMATS:
        for kind in ("shape bomb", "huge shape"):
            path = hf.craft(files, fmt, folder, kind, crafts[kind])
            probes.append([f"{kind} in {fmt}", "load_weights", path])
    bomb = hf.zip_bomb(files["keras"], os.path.join(folder, "bomb.keras"))
    probes += [["zip bomb, load_model", "load_model", bomb],
               ["zip bomb, load_weights", "load_weights", bomb]]
    tile = hf.rewrite_keras(files["keras"], os.path.join(folder, "tile.keras"),
                            config=hf.lambda_config("tile", {"reps": [1, 100_000_000]}))
    probes.append(["Lambda numpy.tile", "load_model", tile])
    for fmt in ("keras", "h5"):
        probes.append([f"config bomb in {fmt}", "load_model", hf.config_bomb(files, fmt, folder)])
    return probes


EXPECTED = {
    "shape bomb": ("SavedFileError", "variable 'kernel' has shape (6, 5), but the file holds "
                                     "shape (36000, 36000)"),
    "huge shape": ("SavedFileError", "variable 'kernel' has shape (6, 5), but the file holds "
                                     "shape (1000000, 1000000)"),
    "zip bomb": ("SavedFileError", "member 'model.weights.h5' declares 268457"),
    "Lambda numpy.tile": ("SavedFileError", "Refusing to look up `numpy.tile` for Lambda's "
                                            "`function` in safe mode"),
    "config bomb": ("SavedFileError", "of shape (6, 1000000000) (24000000000 bytes), but the "
                                      "model's variables may take at most 268435456 bytes"),
}


@pytest.fixture(scope="module")
def probed(good):
    folder, files = good
    probes = memory_probes(folder, files)
    tests_dir = os.path.dirname(os.path.abspath(__file__))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [os.path.dirname(tests_dir), tests_dir, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(probes)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return {label: (kind, message, grown, path) for (label, kind, message, grown), (_, _, path)
            in zip(json.loads(done.stdout.strip().splitlines()[-1]), probes, strict=True)}


@pytest.mark.parametrize("label", [
    "shape bomb in weights.h5", "shape bomb in keras", "shape bomb in h5",
    "huge shape in weights.h5", "huge shape in keras", "huge shape in h5",
    "zip bomb, load_model", "zip bomb, load_weights", "Lambda numpy.tile",
    "config bomb in keras", "config bomb in h5"])
def test_bombs_are_refused_before_memory_grows(probed, label):
    kind, message, grown_mb, path = probed[label]
    expected_kind, expected_text = EXPECTED[label.split(" in ")[0].split(",")[0]]
    assert kind == expected_kind and expected_text in message and path in message, \
        f"{label}: {kind}: {message}"
    assert grown_mb < RSS_BOUND_MB, f"{label}: peak RSS grew {grown_mb:.0f} MB (bound " \
                                    f"{RSS_BOUND_MB} MB)"


def test_shape_bombs_change_nothing(good):
    folder, files = good
    model = target_model()
    before = state(model)
    for fmt in hf.FORMATS:
        path = hf.craft(files, fmt, folder, "huge shape", hf.crafts(folder)["huge shape"])
        with pytest.raises(SavedFileError):
            model.load_weights(path)
        assert_unchanged(model, before, f"huge shape in {fmt}")
    with pytest.warns(UserWarning, match="Skipping loading weights.*1000000"):
        model.load_weights(path, skip_mismatch=True)  # skipped: read nothing


def test_size_limit_follows_the_model(good):
    """A genuine file passes the limit with room to spare; the limit grows with the model."""
    from minikeras.saving import keras_file

    folder, files = good
    model = target_model()
    import zipfile

    with zipfile.ZipFile(files["keras"]) as archive:
        size = archive.getinfo("model.weights.h5").file_size
    limit = keras_file.weights_size_limit(model)
    assert size < limit / 10, (size, limit)
    wide = mlp(seed=0)
    wide.add(type(wide.layers[-1])(1000))
    assert keras_file.weights_size_limit(wide) - limit >= 64 * 1000 * 2, "1000-unit layer"


# ---- failed loads change nothing -------------------------------------------------------------


@pytest.mark.parametrize("fmt", hf.FORMATS)
def test_a_failed_load_changes_nothing(good, fmt):
    """The issue's probe: layer 0 valid (other values), layer 1's kernel a string dataset."""
    folder, files = good
    path = hf.craft(files, fmt, folder, "strings", hf.strings_in_second_kernel, which=1)
    model = target_model()
    before = state(model)
    with pytest.raises(SavedFileError) as error:
        model.load_weights(path)
    assert "variable 'kernel' is stored as dtype |S3" in str(error.value), str(error.value)
    assert_unchanged(model, before, f"strings in {fmt}")
    if fmt != "weights.h5":
        with pytest.raises(SavedFileError, match="stored as dtype"):
            load_model(path)
    model.load_weights(files[fmt])  # and the good file still loads into it
    assert not np.array_equal(model.get_weights()[0], before[0][0])


def test_a_failed_optimizer_load_leaves_it_unbuilt(good):
    """The optimizer is built (to take the file's slots) only when everything else fits."""
    folder, files = good

    def bad_slot(h5, path):
        del h5["optimizer/vars/3"]
        h5["optimizer/vars/3"] = np.zeros((2, 2), "float32")

    with open(files["weights.h5"], "rb") as f:
        path = hf.write(os.path.join(folder, "badslot.weights.h5"),
                        hf.edit_h5_bytes(f.read(), lambda h5: bad_slot(h5, None)))
    model = target_model(fit=False)
    before = state(model)
    assert before[2] is False
    with pytest.raises(SavedFileError,
                       match=r"optimizer .adam\w*.: variable .*but the file holds shape \(2, 2\)"):
        model.load_weights(path)
    assert_unchanged(model, before, "bad optimizer slot")
    with pytest.warns(UserWarning, match=r"Skipping loading weights: optimizer"):
        model.load_weights(path, skip_mismatch=True)  # the layers load, the slots are skipped
    assert not model.optimizer.built
    assert not np.array_equal(model.get_weights()[0], before[0][0])
    model.load_weights(files["weights.h5"])
    assert model.optimizer.built and int(model.optimizer.iterations.value) > 0


# ---- configs -------------------------------------------------------------------------------


def test_contradictory_build_config_is_refused_at_load(good):
    folder, files = good
    path = hf.contradictory_build(files, folder)
    with pytest.raises(SavedFileError) as error:
        load_model(path)
    # minikeras's input check's words (the layer's name carries the auto-naming counter:
    # "dense_1" when this test runs alone); Keras 3.15 raises at load too, from its input_spec:
    # "Input 0 with name 'None' of layer 'dense_1' is incompatible with the layer: expected
    # axis -1 of input shape to have value 7, but received input with shape (None, 5)"
    assert re.search(r'Input 0 of layer "dense_\d+" is incompatible with the layer: expected '
                     r"axis -1 of input shape to have value 7, but received input with shape "
                     r"\(None, 5\)", str(error.value)), str(error.value)


def test_a_layer_without_weights_takes_the_shape_it_is_given(good):
    folder, files = good

    def claim(spec):
        activation = next(s for s in spec["config"]["layers"] if s["class_name"] == "Activation")
        activation["build_config"] = {"input_shape": [None, 9]}

    path = hf.rewrite_keras(files["keras"], os.path.join(folder, "act.keras"), config=claim)
    x, _ = data()
    assert load_model(path).predict(x, verbose=0).shape == (len(x), 1)


# ---- Lambda in safe mode --------------------------------------------------------------------


def test_safe_mode_names_only_unary_ufuncs_and_calls_nothing_at_load(good, monkeypatch):
    folder, files = good
    tanh = hf.rewrite_keras(files["keras"], os.path.join(folder, "tanh.keras"),
                            config=hf.lambda_config("tanh"))
    steered = hf.rewrite_keras(files["keras"], os.path.join(folder, "steered.keras"),
                               config=hf.lambda_config("tanh", {"dtype": "float64"}))
    small_tile = hf.rewrite_keras(files["keras"], os.path.join(folder, "tile2.keras"),
                                  config=hf.lambda_config("tile", {"reps": [1, 1]}))
    calls = []
    original = lambda_layer.Lambda.forward
    monkeypatch.setattr(lambda_layer.Lambda, "forward",
                        lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    model = load_model(tanh)
    assert calls == [], "the Lambda's function ran while the model loaded"
    x, _ = data()
    flat = x.reshape(len(x), -1)
    np.testing.assert_array_equal(model.layers[1](flat), np.tanh(flat))
    with pytest.raises(SavedFileError, match="Refusing Lambda `arguments`"):
        load_model(steered)
    with pytest.raises(SavedFileError, match="numpy.tile"):
        load_model(small_tile)
    assert load_model(small_tile, safe_mode=False).layers[1].function is np.tile  # trusted


# ---- temporary files ------------------------------------------------------------------------

TEMP_NAME = r"\.m\.keras\.{pid}\.[0-9a-f]{{8}}\.minikeras-tmp"


def run_python(code, timeout=120):
    tests_dir = os.path.dirname(os.path.abspath(__file__))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [os.path.dirname(tests_dir), tests_dir, os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_temporary_files_are_recognisable(tmp_path, monkeypatch):
    from minikeras.saving import files

    seen = []
    original = files.temp_path
    monkeypatch.setattr(files, "temp_path", lambda *a: seen.append(original(*a)) or seen[-1])
    mlp().save(tmp_path / "m.keras")
    assert len(seen) == 1 and re.fullmatch(TEMP_NAME.format(pid=os.getpid()),
                                           os.path.basename(seen[0])), seen
    assert os.listdir(tmp_path) == ["m.keras"]


SAVE_THEN = """
    import os, signal, sys, threading, time
    from saving_tools import mlp
    from minikeras.saving import keras_file
    folder = sys.argv[1] if len(sys.argv) > 1 else {folder!r}
    model = mlp()
    model.save(os.path.join(folder, "m.keras"))
    writing = threading.Event()

    def blocked(*args, **kwargs):
        writing.set()
        {action}

    keras_file._weights_bytes = blocked
"""


def test_sigterm_mid_save_removes_the_temporary_file(tmp_path):
    code = SAVE_THEN.format(folder=str(tmp_path), action="os.kill(os.getpid(), signal.SIGTERM)"
                            "; time.sleep(30)") + """
    model.save(os.path.join(folder, "m.keras"))
    """
    done = run_python(code)
    assert done.returncode == -15, (done.returncode, done.stderr[-2000:])  # died of SIGTERM
    assert os.listdir(tmp_path) == ["m.keras"]
    assert load_model(tmp_path / "m.keras").layers  # the previous save is intact


def test_interpreter_exit_mid_save_removes_the_temporary_file(tmp_path):
    code = SAVE_THEN.format(folder=str(tmp_path), action="time.sleep(60)") + """
    thread = threading.Thread(target=model.save, args=(os.path.join(folder, "m.keras"),),
                              daemon=True)
    thread.start()
    writing.wait(30)
    print(sorted(os.listdir(folder)))
    sys.exit(0)  # the save is still running in its thread
    """
    done = run_python(code)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "minikeras-tmp" in done.stdout, done.stdout  # it existed while the save ran
    assert os.listdir(tmp_path) == ["m.keras"]


def dead_pid():
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_stale_temporaries_are_removed_by_the_next_save(tmp_path):
    gone, alive, me = dead_pid(), os.getppid(), os.getpid()
    stale = [f".m.keras.{gone}.0123abcd.minikeras-tmp", f".m.keras.{me}.3210dcba.minikeras-tmp"]
    kept = [f".m.keras.{alive}.deadbeef.minikeras-tmp",  # a live process may be saving now
            f".m.keras.x.{gone}.0123abcd.minikeras-tmp",  # another target's
            "notes.txt"]
    for name in stale + kept:
        hf.write(str(tmp_path / name), b"x" * 100)
    os.makedirs(tmp_path / f".m_dir.{gone}.00aa11bb.minikeras-old")  # a zipped=False swap's
    model = mlp()
    model.save(tmp_path / "m.keras")
    model.save(tmp_path / "m_dir", zipped=False)
    assert sorted(os.listdir(tmp_path)) == sorted(kept + ["m.keras", "m_dir"])


# ---- zipped=False: the folder is swapped in one step ----------------------------------------


def exchange_supported(folder):
    from minikeras.saving import files

    a, b = os.path.join(folder, "a"), os.path.join(folder, "b")
    os.makedirs(a)
    os.makedirs(b)
    try:
        return files.exchange(a, b)
    finally:
        os.rmdir(a)
        os.rmdir(b)


def test_directory_save_never_leaves_the_path_missing(tmp_path, monkeypatch):
    from minikeras.saving import files

    if not exchange_supported(str(tmp_path)):
        pytest.skip("no renameat2 RENAME_EXCHANGE here: the documented two-rename fallback "
                    "applies (tested below)")
    path = str(tmp_path / "m_dir")
    model = mlp()
    model.save(path, zipped=False)
    moved = []
    original = os.replace
    monkeypatch.setattr(files.os, "replace",
                        lambda src, dst: moved.append(os.fspath(src)) or original(src, dst))
    x, _ = data()
    model.layers[1].kernel.assign(model.layers[1].kernel.value + 1)
    model.save(path, zipped=False)
    assert path not in moved, f"the folder was renamed away: {moved}"
    np.testing.assert_array_equal(load_model(path).predict(x, verbose=0),
                                  model.predict(x, verbose=0))
    assert os.listdir(tmp_path) == ["m_dir"]


def test_directory_save_fallback_puts_the_old_folder_back_on_failure(tmp_path, monkeypatch):
    """Without an atomic exchange: two renames; an exception between them restores the old
    folder (after a kill there, the next save removes `.m_dir.<pid>.<hex>.minikeras-old`)."""
    from minikeras.saving import files

    path = str(tmp_path / "m_dir")
    model = mlp()
    model.save(path, zipped=False)
    x, _ = data()
    expected = model.predict(x, verbose=0)
    monkeypatch.setattr(files, "exchange", lambda a, b: False)
    original = os.replace

    def cut_after_first(src, dst):
        if os.fspath(src).endswith(".minikeras-tmp"):
            assert not os.path.exists(path) and any(
                n.endswith(".minikeras-old") for n in os.listdir(tmp_path))
            raise KeyboardInterrupt("power cut between the renames")
        return original(src, dst)

    monkeypatch.setattr(files.os, "replace", cut_after_first)
    model.layers[1].kernel.assign(model.layers[1].kernel.value + 1)
    with pytest.raises(KeyboardInterrupt):
        model.save(path, zipped=False)
    monkeypatch.setattr(files.os, "replace", original)
    assert os.listdir(tmp_path) == ["m_dir"]
    np.testing.assert_array_equal(load_model(path).predict(x, verbose=0), expected)
    model.save(path, zipped=False)  # the fallback itself works
    assert os.listdir(tmp_path) == ["m_dir"]


def test_a_model_folder_may_not_link_outside(good, tmp_path):
    folder, files = good
    target = tmp_path / "m_dir"
    mlp().save(target, zipped=False)
    os.remove(target / "model.weights.h5")
    os.symlink(files["weights.h5"], target / "model.weights.h5")
    with pytest.raises(SavedFileError, match="'model.weights.h5' in the folder is a symbolic "
                                             "link"):
        load_model(target)
