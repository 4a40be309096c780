"""Hostile and damaged model files, built from a good one (tests/test_saving_hostile.py).

Every crafted file is a minikeras save of `saving_tools.mlp` (which Keras 3 loads as well) with
one thing changed, in one of three formats:

    "weights.h5"   model.save_weights(...)             variables at layers/<key>/vars/<i>
    "keras"        model.save(...keras)                the same HDF5 as the member model.weights.h5
    "h5"           model.save(...h5) (Keras 2 legacy)  variables at model_weights/<layer>/<path>

The first Dense's kernel (6, 5) float32 is 120 bytes: SECRET is exactly that long, so a loader
that follows a link or an external file fills the kernel with it (b"root:x:0:0:r" ...).
"""

import io
import json
import os
import zipfile

import numpy as np

SECRET = b"root:x:0:0:r" * 10  # 120 bytes = the first Dense's (6, 5) float32 kernel
KERNEL_SHAPE = (6, 5)
FORMATS = ("weights.h5", "keras", "h5")


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def secret_files(folder):
    """(a raw file holding SECRET, an HDF5 file whose "/kernel" (6, 5) float32 holds SECRET)."""
    import h5py

    raw = write(os.path.join(folder, "secret.bin"), SECRET)
    h5_path = os.path.join(folder, "secret.h5")
    with h5py.File(h5_path, "w") as h5:
        h5["kernel"] = np.frombuffer(SECRET, dtype="float32").reshape(KERNEL_SHAPE)
    return raw, h5_path


def edit_h5_bytes(data, edit):
    """The bytes of an HDF5 file after edit(h5) (h5 opened read-write, in memory)."""
    import h5py

    buffer = io.BytesIO(data)
    with h5py.File(buffer, "r+") as h5:
        edit(h5)
    return buffer.getvalue()


def variable_paths(h5, fmt):
    """The dataset paths of [first Dense kernel, second Dense kernel] in an open file."""
    if fmt == "h5":
        group = h5["model_weights"]
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["layer_names"]]
        paths = []
        for name in names:
            weights = group[name].attrs.get("weight_names", [])
            if len(weights):
                w = weights[0].decode() if isinstance(weights[0], bytes) else weights[0]
                paths.append(f"model_weights/{name}/{w}")
        return paths
    return ["layers/dense/vars/0", "layers/dense_1/vars/0"]


def replace(h5, path, make):
    """Delete the dataset at path and let make(h5, path) put something else there."""
    del h5[path]
    make(h5, path)


def crafts(folder):
    """{kind: make(h5, path)}: what goes where a kernel was."""
    import h5py

    raw, secret_h5 = secret_files(folder)

    def external_storage(h5, path):
        h5.create_dataset(path, shape=KERNEL_SHAPE, dtype="float32",
                          external=[(raw, 0, len(SECRET))])

    def external_link(h5, path):
        h5[path] = h5py.ExternalLink(secret_h5, "/kernel")

    def soft_link(h5, path):
        h5.create_dataset("elsewhere", data=np.zeros(KERNEL_SHAPE, "float32"))
        h5[path] = h5py.SoftLink("/elsewhere")

    def virtual(h5, path):
        layout = h5py.VirtualLayout(shape=KERNEL_SHAPE, dtype="float32")
        layout[:] = h5py.VirtualSource(secret_h5, "kernel", shape=KERNEL_SHAPE)
        h5.create_virtual_dataset(path, layout)

    def shape_bomb(h5, path):  # 5.2 GB declared, nothing stored
        h5.create_dataset(path, shape=(36000, 36000), dtype="float32", chunks=(1000, 1000),
                          compression="gzip")

    def huge_shape(h5, path):  # 4 TB declared
        h5.create_dataset(path, shape=(10**6, 10**6), dtype="float32", chunks=(1000, 1000),
                          compression="gzip")

    return {"external storage": external_storage, "external link": external_link,
            "soft link": soft_link, "virtual dataset": virtual, "shape bomb": shape_bomb,
            "huge shape": huge_shape}


def strings_in_second_kernel(h5, path):
    h5.create_dataset(path, data=np.full((5, 1), b"abc"))


def good_files(model, folder):
    """{format: path} of `model` saved in each format."""
    paths = {"weights.h5": os.path.join(folder, "good.weights.h5"),
             "keras": os.path.join(folder, "good.keras"), "h5": os.path.join(folder, "good.h5")}
    model.save_weights(paths["weights.h5"])
    model.save(paths["keras"])
    model.save(paths["h5"])
    return paths


def rewrite_keras(source, target, weights=None, config=None):
    """A copy of a .keras archive with the weights member's bytes and/or config.json's dict
    replaced (config: a function editing the dict in place)."""
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    if weights is not None:
        members["model.weights.h5"] = weights
    if config is not None:
        spec = json.loads(members["config.json"])
        config(spec)
        members["config.json"] = json.dumps(spec).encode()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def craft(good, fmt, folder, name, make, which=0):
    """A copy of good[fmt] with kernel `which` (0: first Dense, 1: second) replaced by make."""
    import h5py

    target = os.path.join(folder, f"{name.replace(' ', '_')}.{fmt}")
    if fmt == "keras":
        with zipfile.ZipFile(good["keras"]) as archive:
            inner = archive.read("model.weights.h5")
        with h5py.File(io.BytesIO(inner), "r") as h5:
            path = variable_paths(h5, fmt)[which]
        edited = edit_h5_bytes(inner, lambda h5: replace(h5, path, make))
        return rewrite_keras(good["keras"], target, weights=edited)
    with open(good[fmt], "rb") as f:
        data = f.read()
    with h5py.File(io.BytesIO(data), "r") as h5:
        path = variable_paths(h5, fmt)[which]
    return write(target, edit_h5_bytes(data, lambda h5: replace(h5, path, make)))


def zip_bomb(good_keras, target, inflated=256 << 20):
    """A .keras whose model.weights.h5 is the good one followed by `inflated` zero bytes
    (HDF5 ignores bytes past its end), deflated: ~256 KB on disk, written 1 MiB at a time."""
    with zipfile.ZipFile(good_keras) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=1) as archive:
        for name in ("metadata.json", "config.json"):
            archive.writestr(name, members[name])
        with archive.open("model.weights.h5", "w", force_zip64=True) as member:
            member.write(members["model.weights.h5"])
            zeros = bytes(1 << 20)
            for _ in range(inflated >> 20):
                member.write(zeros)
    return target


def lambda_config(function, arguments=None):
    """config.json edit: insert a Lambda naming a NumPy function after the Flatten."""
    def edit(spec):
        layers = spec["config"]["layers"]
        layers.insert(2, {"module": "keras.layers", "class_name": "Lambda",
                          "registered_name": None,
                          "config": {"name": "probe", "trainable": True,
                                     "function": {"module": "numpy", "class_name": "function",
                                                  "config": function,
                                                  "registered_name": "function"},
                                     "arguments": arguments or {}}})
    return edit


def contradictory_build(good, folder):
    """The issue's probe: a .keras whose second Dense says build_config input_shape
    [None, 7] (it follows a 5-unit Dense), with a (7, 1) kernel to match that claim."""
    def claim(spec):
        dense = [layer for layer in spec["config"]["layers"] if layer["class_name"] == "Dense"]
        dense[1]["build_config"] = {"input_shape": [None, 7]}

    def kernel(h5, path):
        h5.create_dataset(path, data=np.zeros((7, 1), "float32"))

    path = craft(good, "keras", folder, "contradictory", kernel, which=1)
    return rewrite_keras(path, path, config=claim)


def _widen_first_dense(spec, units):
    dense = next(layer for layer in spec["config"]["layers"] if layer["class_name"] == "Dense")
    dense["config"]["units"] = units
    dense.pop("build_config", None)


def config_bomb(good, fmt, folder, units=10**9):
    """A .keras or legacy .h5 whose config asks for Dense(units) (6 * units float32: 24 GB for
    10**9), its weights unchanged (a few KB)."""
    target = os.path.join(folder, f"config_bomb_{units}.{fmt}")
    if fmt == "keras":
        return rewrite_keras(good["keras"], target,
                             config=lambda spec: _widen_first_dense(spec, units))

    def edit(h5):
        spec = json.loads(h5.attrs["model_config"])
        _widen_first_dense(spec, units)
        h5.attrs["model_config"] = json.dumps(spec)

    with open(good["h5"], "rb") as f:
        return write(target, edit_h5_bytes(f.read(), edit))
