"""Keras 2's full-model HDF5 format (`model.save("model.h5")`), which Keras 3 still reads.

    attrs: model_config (JSON, layers as {"class_name", "config"}), training_config (JSON:
           loss, metrics, ..., optimizer_config), keras_version, backend
    model_weights/             attrs layer_names, keras_version, backend
        <layer name>/          attrs weight_names = variable paths ("sequential/dense/kernel")
            <path>             one dataset per weight, at its path
        top_level_model_weights/
    optimizer_weights/         attrs weight_names ("adam/iteration", ...); one dataset each

Reading matches layers with weights by position and weights by the order of weight_names, as
Keras's legacy loader does; Keras 2 names ("dense/kernel:0") load too.
"""

import json
import os

import numpy as np

from . import files, safe_h5, serialization, weights_h5
from .keras_file import KERAS_FORMAT_VERSION


def _names_attr(names):
    """Keras writes name lists as byte strings; an empty list is an empty float array."""
    return np.array([n.encode("utf8") for n in names]) if names else np.array([])


def _decode(value):
    if isinstance(value, bytes):
        return value.decode("utf8")
    return value


def _legacy_model_config(model):
    config = model.get_config()
    layers = [{"class_name": s["class_name"], "config": s["config"]} for s in config["layers"]]
    return {"class_name": "Sequential", "config": {**config, "layers": layers}}


def _training_config(model):
    compiled = serialization.compile_config(model)
    if compiled is None:
        return None
    optimizer = compiled.pop("optimizer")
    return {**compiled, "optimizer_config": {"class_name": optimizer["class_name"],
                                             "config": optimizer["config"]}}


def _write_weights(group, name, variables):
    group.attrs["weight_names"] = _names_attr([v.path for v in variables])
    for v in variables:
        group.create_dataset(v.path, data=v.value)


def write(model, h5, include_optimizer=True):
    """Write the whole model into an open, writable h5py File."""
    h5.attrs["backend"] = b"numpy"
    h5.attrs["keras_version"] = KERAS_FORMAT_VERSION.encode("utf8")
    h5.attrs["model_config"] = json.dumps(_legacy_model_config(model),
                                          default=serialization.json_default)
    weights = h5.create_group("model_weights")
    weights.attrs["layer_names"] = _names_attr([layer.name for layer in model.layers])
    weights.attrs["backend"] = b"numpy"
    weights.attrs["keras_version"] = KERAS_FORMAT_VERSION.encode("utf8")
    for layer in sorted(model.layers, key=lambda layer: layer.name):
        _write_weights(weights.create_group(layer.name), layer.name,
                       weights_h5.ordered_variables(layer))
    _write_weights(weights.create_group("top_level_model_weights"), "", [])
    training = _training_config(model)
    if training is not None:
        h5.attrs["training_config"] = json.dumps(training, default=serialization.json_default)
        optimizer = model.optimizer
        if include_optimizer and optimizer.variables:
            _write_weights(h5.create_group("optimizer_weights"), optimizer.name,
                           optimizer.variables)


def save(model, filepath, overwrite=True, include_optimizer=True):
    import h5py

    with files.atomic_write(filepath, overwrite) as tmp, h5py.File(tmp, "w") as h5:
        write(model, h5, include_optimizer)


def _saved_layers(group):
    """[(layer name, its group, weight names)] for each saved layer with weights, in
    layer_names order. Only names and links are looked at; no weight is read."""
    names = [_decode(n) for n in safe_h5.attribute(group, "layer_names", group.name)]
    out = []
    for name in names:
        layer_group = safe_h5.group(group, name, group.name, missing_ok=False)
        weight_names = [_decode(n) for n in
                        safe_h5.attribute(layer_group, "weight_names", name, default=[])]
        if weight_names:
            out.append((name, layer_group, weight_names))
    return out


def plan_weights_from_group(group, model, skip_mismatch=False):
    """A LoadPlan setting every layer that has weights, matched by position (as Keras 2)."""
    saved = _saved_layers(group)
    layers = [layer for layer in model.layers if layer.weights]
    if len(saved) != len(layers):
        raise ValueError(f"the file holds weights for {len(saved)} layers "
                         f"({[n for n, _, _ in saved]}), but the model has {len(layers)} layers "
                         f"with weights ({[layer.name for layer in layers]})")
    plan = weights_h5.LoadPlan()
    for layer, (name, layer_group, weight_names) in zip(layers, saved, strict=True):
        owner = f"layer {layer.name!r} (saved as {name!r})"
        variables = weights_h5.ordered_variables(layer)
        try:
            plan.add(variables, weights_h5.check_datasets(layer_group, variables, owner,
                                                          layer_group.name, weight_names))
        except safe_h5.Mismatch as error:
            weights_h5.skip_or_raise(error, skip_mismatch)
    return plan


def load_weights_from_group(group, model, skip_mismatch=False):
    """Set the weights of every layer that has any, matched by position (as Keras 2)."""
    plan_weights_from_group(group, model, skip_mismatch).read().commit()


def _plan_optimizer(h5, model, plan):
    """Add the optimizer's saved slots to plan (a count mismatch warns and skips, as Keras)."""
    group = safe_h5.group(h5, "optimizer_weights")
    names = [_decode(n) for n in safe_h5.attribute(group, "weight_names", group.name,
                                                   default=[])]
    optimizer = model.optimizer
    if len(names) > len(optimizer.variables):
        optimizer.build(model.trainable_weights)  # a new model: nothing to keep
    if len(names) != len(optimizer.variables):
        weights_h5.warn_optimizer_skipped(optimizer, len(optimizer.variables), len(names))
        return
    plan.add(optimizer.variables, weights_h5.check_datasets(
        group, optimizer.variables, f"optimizer {optimizer.name!r}", group.name, names))


# Keras 2 optimizer settings that Keras 3 dropped; `decay` stays unless it is 0 (no effect).
_KERAS2_OPTIMIZER_KEYS = ("is_legacy_optimizer", "jit_compile")


def _single_output(spec):
    """Keras 2 nests metrics per output ([["accuracy"]]); a Sequential has one output."""
    if isinstance(spec, list) and len(spec) == 1 and isinstance(spec[0], list):
        return spec[0]
    return spec


def compile_args(training):
    """compile() arguments from a training_config, Keras 2's spellings made Keras 3's.

    Keras 2 wrote `lr`, `decay: 0.0`, `is_legacy_optimizer` and per-output metric lists;
    Keras 3 reads some of these with warnings and fails on others.
    """
    optimizer = dict(training["optimizer_config"])
    config = dict(optimizer.get("config") or {})
    if "lr" in config and "learning_rate" not in config:
        config["learning_rate"] = config.pop("lr")
    if config.get("decay") in (0, 0.0, None):
        config.pop("decay", None)
    for key in _KERAS2_OPTIMIZER_KEYS:
        config.pop(key, None)
    optimizer["config"] = config
    return {"optimizer": optimizer, "loss": training.get("loss"),
            "metrics": _single_output(training.get("metrics")),
            "weighted_metrics": _single_output(training.get("weighted_metrics"))}


def load(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a full model from a Keras 2 / Keras 3 legacy `.h5` file."""
    import h5py

    filepath = os.fspath(filepath)
    files.expect(filepath, "hdf5", "a Keras .h5 model file")
    with files.reading(filepath, "a Keras .h5 model file"), h5py.File(filepath, "r") as h5:
        config = safe_h5.attribute(h5, "model_config", "/")
        if config is None:
            raise ValueError("it has no 'model_config' attribute, so it holds weights only; "
                             "build the model and call `model.load_weights(...)` instead")
        spec = json.loads(_decode(config))
        with serialization.AllocationBudget(os.path.getsize(filepath), "the file"):
            model = serialization.model_from_config(spec, custom_objects, compile=False,
                                                    safe_mode=safe_mode)
        plan = plan_weights_from_group(safe_h5.group(h5, "model_weights", missing_ok=False),
                                       model)
        training = safe_h5.attribute(h5, "training_config", "/")
        if compile and training is not None:
            serialization.compile_from_config(
                model, compile_args(json.loads(_decode(training))))
            if safe_h5.has(h5, "optimizer_weights") and model.built:
                _plan_optimizer(h5, model, plan)
        plan.read().commit()
    return model


def load_weights(model, filepath, skip_mismatch=False):
    """Weights from a legacy `.h5` (a full-model file, or Keras 2's `save_weights` file)."""
    import h5py

    filepath = os.fspath(filepath)
    files.expect(filepath, "hdf5", "a Keras .h5 weights file")
    with files.reading(filepath, "a Keras .h5 weights file"), h5py.File(filepath, "r") as h5:
        group = (safe_h5.group(h5, "model_weights") if safe_h5.has(h5, "model_weights")
                 else h5)
        if "layer_names" not in group.attrs:
            raise ValueError("it has no 'layer_names' attribute, so it is not a Keras .h5 "
                             "weights file")
        load_weights_from_group(group, model, skip_mismatch)
