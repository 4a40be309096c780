"""Keras 3's weights layout in HDF5 (`.weights.h5`, and `model.weights.h5` inside `.keras`).

    vars                        attrs {"name": model name}     (Sequential owns no variables)
    layers/<key>/vars/0, 1, ... attrs {"name": layer name}      a layer's variables, trainable first
    layers/<key>/cell/vars/...                                  a recurrent layer's cell (LSTM, GRU)
    optimizer/vars/0, 1, ...    attrs {"name": optimizer name}  iteration, learning_rate, slots

<key> is the snake_case class name, made unique in layer order (dense, dense_1, flatten, ...),
not the layer's name: Keras keys by position so that auto-generated names do not matter.

A layer whose variables live in sub-objects (Keras's LSTM keeps them in `cell`) says so with
`saving_groups()`, a list of (sub-path, group name, variables); a wrapper names the layers it
holds with `nested_layers()` and `nested_groups` builds its groups from theirs (Bidirectional:
`layers/bidirectional/forward_layer/cell/vars` and
`backward_layer/...`; TimeDistributed: `layers/time_distributed/layer/vars`). Without it: a
layer with a `cell_name` (minikeras's RNNs, which hold the cell's weights themselves) is saved
as Keras saves an RNN (`layers/lstm/vars` empty, `layers/lstm/cell/vars` the weights); any
other layer as one group.
"""

import copy
import os
import warnings

import numpy as np

from ..utils.naming import to_snake_case
from . import files, safe_h5


def ordered_variables(layer):
    """A layer's variables as Keras stores them: trainable ones, then non-trainable ones."""
    weights = list(layer.weights)
    return [v for v in weights if v.trainable] + [v for v in weights if not v.trainable]


def saving_groups(layer):
    """[(sub-path, group name, variables)] for one layer (see the module docstring)."""
    if hasattr(layer, "saving_groups"):
        return list(layer.saving_groups())
    if hasattr(layer, "nested_layers"):  # a wrapper: TimeDistributed, Bidirectional
        return nested_groups(layer, layer.nested_layers())
    if isinstance(getattr(layer, "cell_name", None), str):  # weights on the layer, Keras's
        return [("", layer.name, []), ("cell", layer.cell_name, ordered_variables(layer))]
    return [("", layer.name, ordered_variables(layer))]


def nested_groups(wrapper, children):
    """[(sub-path, group name, variables)] for a wrapper layer, as Keras saves one: an empty
    group of its own, then each child's groups under the attribute name Keras uses for it.

    children: [(attribute name, layer)], e.g. [("layer", dense)] for TimeDistributed.
    """
    groups = [("", wrapper.name, [])]
    for attribute, child in children:
        for sub, name, variables in saving_groups(child):
            groups.append((f"{attribute}/{sub}" if sub else attribute, name, variables))
    return groups


def layer_keys(layers):
    """[(key, layer)]: Keras's per-class unique keys, in layer order."""
    used, keyed = {}, []
    for layer in layers:
        base = to_snake_case(type(layer).__name__)
        if base in used:
            used[base] += 1
            key = f"{base}_{used[base]}"
        else:
            used[base] = 0
            key = base
        keyed.append((key, layer))
    return keyed


def _write_group(h5, path, name, arrays):
    group = h5.create_group(f"{path}/vars" if path else "vars")
    group.attrs["name"] = name
    for i, value in enumerate(arrays):
        group[str(i)] = np.asarray(value)


def write_model_state(h5, model, include_optimizer=True):
    """Write every layer's variables (and the optimizer's) into an open, writable h5py File."""
    for key, layer in layer_keys(model.layers):
        for sub, name, variables in saving_groups(layer):
            path = f"layers/{key}" + (f"/{sub}" if sub else "")
            _write_group(h5, path, name, [v.value for v in variables])
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and optimizer is not None:
        _write_group(h5, "optimizer", optimizer.name, [v.value for v in optimizer.variables])
    _write_group(h5, "", model.name, [])


class LoadPlan:
    """A load in three steps, so that a failure anywhere leaves the model exactly as it was.

        add(variables, datasets)   datasets already checked against the variables (no bytes
                                   read yet); variables may be a function returning them at
                                   commit (an optimizer built by `before_commit`)
        read()                     reads every dataset into a new array (the file stays open)
        commit()                   runs `before_commit`, then assigns every array
    """

    def __init__(self):
        self.pairs, self.before_commit = [], []

    def add(self, variables, datasets):
        self.pairs.append((variables, datasets))

    def read(self):
        self.pairs = [(variables, [safe_h5.read(ds) for ds in datasets])
                      for variables, datasets in self.pairs]
        return self

    def commit(self):
        for step in self.before_commit:
            step()
        for variables, arrays in self.pairs:
            variables = variables() if callable(variables) else variables
            for variable, value in zip(variables, arrays, strict=True):
                variable.assign(value.astype(variable.value.dtype, copy=False))


def check_datasets(h5_group, variables, owner, where, names=None):
    """The datasets of one group for `variables`, each checked (count, shape, dtype); unread.

    h5_group: the group holding the datasets (None: the file has none); names: the dataset
    paths in order (default "0", "1", ...). Counts and shapes raise Mismatch; links, outside
    storage and non-numeric dtypes raise RefusedFile; both before any byte is read.
    """
    stored = safe_h5.names(h5_group) if names is None else names
    if names is None:  # a link among the group's members is refused whatever the count
        for name in stored:
            safe_h5.check_link(h5_group, name, f"{where}/{name}")
    if len(stored) != len(variables):
        raise safe_h5.Mismatch(f"{owner} expected {len(variables)} variables "
                               f"({[v.name for v in variables]}), but the file holds "
                               f"{len(stored)}.")
    if names is None:
        names = [str(i) for i in range(len(variables))]
    datasets = [safe_h5.dataset(h5_group, name, where) for name in names]
    for variable, ds in zip(variables, datasets, strict=True):
        safe_h5.check(ds, variable.shape, owner, variable.name)
    return datasets


def skip_or_raise(error, skip_mismatch):
    if not skip_mismatch:
        raise error
    warnings.warn(f"Skipping loading weights: {error}", stacklevel=4)


def plan_group(plan, h5, path, owner, variables, skip_mismatch):
    """Check `<path>/vars` for `variables` into plan (a Mismatch is skipped or raised)."""
    full = f"{path}/vars" if path else "vars"
    try:
        h5_group = safe_h5.group(h5, full)
        plan.add(variables, check_datasets(h5_group, variables, owner, full))
    except safe_h5.Mismatch as error:
        skip_or_raise(error, skip_mismatch)


def warn_optimizer_skipped(optimizer, expected, stored):
    """Keras's warning when a file's optimizer state does not fit (it loads the rest)."""
    warnings.warn(f"Skipping variable loading for optimizer '{optimizer.name}': it has "
                  f"{expected} variables, the saved one {stored}.", stacklevel=4)


def plan_optimizer(plan, h5, model, optimizer, skip_mismatch=False):
    """Check the optimizer's slots into plan; an unbuilt optimizer is built only at commit.

    Keras skips an unbuilt optimizer's state with a warning; minikeras builds it (at commit)
    so a restored model resumes training where it stopped. Shapes come from a throwaway copy
    built now, so nothing of the real optimizer changes before commit.
    """
    h5_group = safe_h5.group(h5, "optimizer/vars")
    stored = len(safe_h5.names(h5_group))
    target = optimizer
    if not optimizer.built and model.built and stored > len(optimizer.variables):
        target = copy.deepcopy(optimizer)
        target.build(model.trainable_weights)
    if stored != len(target.variables):
        warn_optimizer_skipped(optimizer, len(target.variables), stored)
        return
    try:
        datasets = check_datasets(h5_group, target.variables, f"optimizer {optimizer.name!r}",
                                  "optimizer/vars")
    except safe_h5.Mismatch as error:
        skip_or_raise(error, skip_mismatch)
        return
    if target is not optimizer:
        plan.before_commit.append(lambda: optimizer.build(model.trainable_weights))
        plan.add(lambda: optimizer.variables, datasets)
    else:
        plan.add(optimizer.variables, datasets)


def plan_model_state(h5, model, skip_mismatch=False, load_optimizer=True):
    """A LoadPlan for every layer's variables (then the optimizer's) in an open h5py File.

    Only the datasets the model's variables need are opened, each one's declared shape and
    dtype checked before it is read.
    """
    plan = LoadPlan()
    for key, layer in layer_keys(model.layers):
        for sub, _, variables in saving_groups(layer):
            path = f"layers/{key}" + (f"/{sub}" if sub else "")
            plan_group(plan, h5, path, f"layer {layer.name!r} ({path})", variables,
                       skip_mismatch)
    optimizer = getattr(model, "optimizer", None)
    if load_optimizer and optimizer is not None and safe_h5.has(h5, "optimizer"):
        plan_optimizer(plan, h5, model, optimizer, skip_mismatch)
    return plan


def read_model_state(h5, model, skip_mismatch=False, load_optimizer=True):
    """Load every layer's variables (then the optimizer's) from an open h5py File.

    Everything is checked and read before anything is assigned, so a bad file changes nothing
    (unless skip_mismatch, which warns and skips the mismatched groups, as Keras does).
    """
    plan_model_state(h5, model, skip_mismatch, load_optimizer).read().commit()


# ---- .weights.h5 files ----------------------------------------------------------------------


def save_weights(model, filepath, overwrite=True):
    """Write `model.weights.h5`-style weights (optimizer included, as Keras) to filepath."""
    import h5py

    filepath = os.fspath(filepath)
    if not filepath.endswith(".weights.h5"):
        raise ValueError("The filename must end in `.weights.h5`. Received: "
                         f"filepath={filepath}")
    with files.atomic_write(filepath, overwrite) as tmp, h5py.File(tmp, "w") as h5:
        write_model_state(h5, model)


def load_weights(model, filepath, skip_mismatch=False):
    """Read a `.weights.h5` file into `model` (layers by position, then the optimizer)."""
    import h5py

    filepath = os.fspath(filepath)
    files.expect(filepath, "hdf5", "a .weights.h5 file")
    with files.reading(filepath, "a .weights.h5 file"), h5py.File(filepath, "r") as h5:
        if not (safe_h5.has(h5, "layers") or safe_h5.has(h5, "vars")):
            raise ValueError("it holds no Keras 3 weights (no 'layers' or 'vars' group); a "
                             "Keras 2 `.h5` file loads with a `.h5` name")
        read_model_state(h5, model, skip_mismatch=skip_mismatch)
