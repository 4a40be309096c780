"""Keras 3's weights layout in HDF5 (`.weights.h5`, and `model.weights.h5` inside `.keras`).

    vars                        attrs {"name": model name}     (Sequential owns no variables)
    layers/<key>/vars/0, 1, ... attrs {"name": layer name}      a layer's variables, trainable first
    layers/<key>/cell/vars/...                                  a recurrent layer's cell (LSTM, GRU)
    optimizer/vars/0, 1, ...    attrs {"name": optimizer name}  iteration, learning_rate, slots

<key> is the snake_case class name, made unique in layer order (dense, dense_1, flatten, ...),
not the layer's name: Keras keys by position so that auto-generated names do not matter.

A layer whose variables live in sub-objects (Keras's LSTM keeps them in `cell`) says so with
`saving_groups()`, a list of (sub-path, group name, variables); wrappers build theirs with
`nested_groups` (Bidirectional: `layers/bidirectional/forward_layer/cell/vars` and
`backward_layer/...`; TimeDistributed: `layers/time_distributed/layer/vars`). Without it: a
layer with a `cell_name` (minikeras's RNNs, which hold the cell's weights themselves) is saved
as Keras saves an RNN (`layers/lstm/vars` empty, `layers/lstm/cell/vars` the weights); any
other layer as one group.
"""

import os
import warnings

import numpy as np

from ..utils.naming import to_snake_case
from . import files


def ordered_variables(layer):
    """A layer's variables as Keras stores them: trainable ones, then non-trainable ones."""
    weights = list(layer.weights)
    return [v for v in weights if v.trainable] + [v for v in weights if not v.trainable]


def saving_groups(layer):
    """[(sub-path, group name, variables)] for one layer (see the module docstring)."""
    if hasattr(layer, "saving_groups"):
        return list(layer.saving_groups())
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


def _read_group(h5, path):
    """{"0": array, ...} from `<path>/vars`, or {} where the file has no such group."""
    full = f"{path}/vars" if path else "vars"
    if full not in h5:
        return {}
    group = h5[full]
    return {key: np.asarray(group[key][()]) for key in group.keys()}


def assign_variables(owner, variables, store, skip_mismatch):
    """Assign store["0"], store["1"], ... to variables; mismatches raise (or warn and skip)."""
    try:
        check_variables(owner, variables, store)
    except ValueError as error:
        if not skip_mismatch:
            raise
        warnings.warn(f"Skipping loading weights: {error}", stacklevel=3)
        return
    for i, variable in enumerate(variables):
        variable.assign(store[str(i)].astype(variable.value.dtype, copy=False))


def read_model_state(h5, model, skip_mismatch=False, load_optimizer=True):
    """Load every layer's variables (then the optimizer's) from an open h5py File.

    Everything is checked before anything is assigned, so a bad file changes nothing (unless
    skip_mismatch, which warns and skips the mismatched layers, as Keras does).
    """
    plan = []
    for key, layer in layer_keys(model.layers):
        for sub, _, variables in saving_groups(layer):
            path = f"layers/{key}" + (f"/{sub}" if sub else "")
            plan.append((f"layer {layer.name!r} ({path})", variables, _read_group(h5, path)))
    optimizer = getattr(model, "optimizer", None)
    if not (load_optimizer and optimizer is not None and "optimizer" in h5):
        optimizer = None
    if optimizer is not None:
        store = _read_group(h5, "optimizer")
        if not optimizer.built and model.built and len(store) > len(optimizer.variables):
            optimizer.build(model.trainable_weights)  # Keras skips with a warning instead
        if len(store) == len(optimizer.variables):  # else the optimizer warns and skips
            plan.append((f"optimizer {optimizer.name!r}", optimizer.variables, store))
        else:
            optimizer.load_own_variables(store)
    if not skip_mismatch:  # dry run: raise before any assignment
        for owner, variables, store in plan:
            check_variables(owner, variables, store)
    for owner, variables, store in plan:
        assign_variables(owner, variables, store, skip_mismatch)


def check_variables(owner, variables, store):
    """Raise ValueError naming `owner` unless store holds one array per variable, same shapes."""
    if len(store) != len(variables):
        raise ValueError(f"{owner} expected {len(variables)} variables "
                         f"({[v.name for v in variables]}), but the file holds {len(store)}.")
    for i, variable in enumerate(variables):
        if store[str(i)].shape != variable.shape:
            raise ValueError(f"{owner}: variable {variable.name!r} has shape {variable.shape}, "
                             f"but the file holds shape {store[str(i)].shape}.")


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
        if "layers" not in h5 and "vars" not in h5:
            raise ValueError("it holds no Keras 3 weights (no 'layers' or 'vars' group); a "
                             "Keras 2 `.h5` file loads with a `.h5` name")
        read_model_state(h5, model, skip_mismatch=skip_mismatch)
