"""python -m parity --model/--data with bad input (issue 16): one line on stderr, exit 2."""

import io
import os
import pickle

import hostile_files as hf
import numpy as np
import pytest
from saving_tools import data, mlp

import parity.__main__ as cli

pytest.importorskip("keras")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("cli"))
    model = mlp(seed=1)
    files = hf.good_files(model, folder)
    x, y = data(n=8, dtype="float64")
    np.save(os.path.join(folder, "x.npy"), x)
    np.save(os.path.join(folder, "y.npy"), y)
    np.save(os.path.join(folder, "wrong.npy"), x.reshape(8, 6))
    np.save(os.path.join(folder, "y_short.npy"), y[:3])
    np.save(os.path.join(folder, "objects.npy"), np.array([{"a": 1}], dtype=object),
            allow_pickle=True)
    hf.write(os.path.join(folder, "text.npy"), b"1,2,3\n")
    header = io.BytesIO()  # declares (10**6, 10**6) float64 (8 TB) and holds 16 bytes
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (10**6, 10**6)})
    hf.write(os.path.join(folder, "huge.npy"), header.getvalue() + bytes(16))
    hf.write(os.path.join(folder, "random.keras"), np.random.default_rng(0).bytes(2048))
    hf.craft(files, "keras", folder, "external storage", hf.crafts(folder)["external storage"])
    with open(os.path.join(folder, "pickle.npy"), "wb") as f:
        pickle.dump([1, 2], f)
    return folder


CASES = {
    "damaged model": (["--model", "random.keras", "--data", "x.npy"],
                      "--model {d}/random.keras: Cannot load"),
    "external weights": (["--model", "external_storage.keras", "--data", "x.npy"],
                         "keeps its data in external file(s)"),
    "missing model": (["--model", "nothing.keras", "--data", "x.npy"], "No file or directory"),
    "no data": (["--model", "good.keras"], "--model needs --data"),
    "wrong shape": (["--model", "good.keras", "--data", "wrong.npy"],
                    "--data {d}/wrong.npy: the model takes inputs of shape (None, 3, 2), but the "
                    "file holds shape (8, 6)"),
    "text file": (["--model", "good.keras", "--data", "text.npy"], "not a readable .npy file"),
    "pickled": (["--model", "good.keras", "--data", "pickle.npy"], "not a readable .npy file"),
    "objects": (["--model", "good.keras", "--data", "objects.npy"], "not a readable .npy"),
    "huge header": (["--model", "good.keras", "--data", "huge.npy"], "not a readable .npy"),
    "labels count": (["--model", "good.keras", "--data", "x.npy", "--labels", "y_short.npy"],
                     "8 samples in --data, but the labels have shape (3, 1)"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_model_or_data_exits_2_with_one_line(saved, case, capsys, monkeypatch):
    monkeypatch.chdir(saved)
    argv, expected = CASES[case]
    assert cli.main(["--dtype", "float32", *argv]) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("python -m parity: error: "), err
    assert expected.format(d=saved) in lines[0] or expected.format(d=".") in lines[0] \
        or expected.replace("{d}/", "") in lines[0], lines[0]
    assert "Traceback" not in out + err


def test_good_model_and_data_still_compare(saved, capsys, monkeypatch):
    monkeypatch.chdir(saved)
    assert cli.main(["--dtype", "float32", "--model", "good.keras", "--data", "x.npy"]) == 0
    assert "all comparisons within tolerance" in capsys.readouterr().out
