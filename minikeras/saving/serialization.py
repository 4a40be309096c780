"""A model as Keras 3's JSON dict, and back: architecture, build shape and compile settings.

    {"module": "keras", "class_name": "Sequential", "registered_name": null,
     "config": model.get_config(),                        # name, layers, build_input_shape
     "build_config": {"input_shape": [null, 8]},           # when built
     "compile_config": {"optimizer": {...}, "loss": "mse", "metrics": [...], ...}}  # compiled

`model_from_config` refuses serialized Python code (a Lambda's `function`) unless
safe_mode=False, as Keras does, before any layer is created.
"""

import json

import numpy as np

from .. import losses, metrics, optimizers
from ..load_scope import (  # noqa: F401  (saving's own names for them)
    AllocationBudget,
    SafeModeScope,
    charge_allocation,
    in_safe_mode,
)

# The classes a config's "class_name" may name: models/sequential.py registers Sequential
# (so the loaders need not import the models they build).
MODEL_CLASSES = {}


def register_model_class(cls):
    """Let configs whose "class_name" is cls.__name__ build a `cls`. Returns cls."""
    MODEL_CLASSES[cls.__name__] = cls
    return cls


def model_classes():
    return MODEL_CLASSES


def find_lambda_code(config, where="model"):
    """The first place in a config that holds serialized Python code, or None.

    Keras serializes a Python lambda as {"class_name": "__lambda__", "config": {"code": ...}}.
    Returns a readable location such as "layer 'lambda' (Lambda), key 'function'".
    """
    if isinstance(config, dict):
        if config.get("class_name") == "__lambda__":
            return where
        if isinstance(config.get("config"), dict) and "class_name" in config:
            inner = config["config"]
            name = inner.get("name", "?")
            for key, value in inner.items():
                found = find_lambda_code(value, f"layer {name!r} ({config['class_name']}), "
                                                f"key {key!r}")
                if found:
                    return found
            return None
        for value in config.values():
            found = find_lambda_code(value, where)
            if found:
                return found
    elif isinstance(config, list):
        for value in config:
            found = find_lambda_code(value, where)
            if found:
                return found
    return None


def check_safe(config, safe_mode):
    """Raise ValueError (naming `safe_mode=False`) if safe_mode and the config holds code."""
    if not safe_mode:
        return
    found = find_lambda_code(config)
    if found:
        raise ValueError(
            f"Requested the deserialization of a `Lambda` layer whose `function` is a Python "
            f"lambda ({found}). This carries a potential risk of arbitrary code execution and "
            "thus it is disallowed by default. If you trust the source of the file, pass "
            "`safe_mode=False` to the loading function.")


# ---- compile settings -----------------------------------------------------------------------


def _serialize_spec(spec, module):
    """A loss or metric as compile got it: a name stays a string, an object becomes its dict."""
    if isinstance(spec, str) or spec is None:
        return spec
    if hasattr(spec, "get_config"):
        return module.serialize(spec)
    return getattr(spec, "__name__", repr(spec))  # a plain function: by name, as Keras


def compile_config(model):
    """Keras 3's `compile_config` for a compiled model, or None."""
    if not getattr(model, "compiled", False):
        return None
    specs, weighted = model._metric_specs, model._weighted
    plain = [_serialize_spec(s, metrics) for s, w in zip(specs, weighted, strict=True) if not w]
    extra = [_serialize_spec(s, metrics) for s, w in zip(specs, weighted, strict=True) if w]
    return {"optimizer": optimizers.serialize(model.optimizer),
            "loss": _serialize_spec(model._loss_spec, losses), "loss_weights": None,
            "metrics": plain or None, "weighted_metrics": extra or None, "run_eagerly": False,
            "steps_per_execution": 1, "jit_compile": False}


def compile_from_config(model, config):
    """compile() from `compile_config`. The optimizer is built later, only if the file holds
    its slots (Keras builds it here and then warns when an untrained model's file has none)."""
    config = dict(config)
    config.pop("jit_compile", None)
    model.compile(**config)


# ---- the model ------------------------------------------------------------------------------


def serialize_model(model):
    """Keras 3's full dict for a model (what `config.json` and `to_json` hold)."""
    spec = {"module": "keras", "class_name": "Sequential", "config": model.get_config(),
            "registered_name": None}
    if model.built:
        spec["build_config"] = {"input_shape": list(model.input_shape)}
    compiled = compile_config(model)
    if compiled is not None:
        spec["compile_config"] = compiled
    return spec


def to_json(model, **kwargs):
    """The model's dict as JSON; kwargs go to json.dumps (e.g. indent=2), as in Keras."""
    return json.dumps(serialize_model(model), default=json_default, **kwargs)


def json_default(obj):
    if isinstance(obj, (np.integer, np.floating, np.bool_)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.dtype):
        return obj.name
    raise TypeError(f"Cannot serialize {obj!r} (of type {type(obj).__name__}) to JSON.")


def _strip_shared_ids(config):
    """Drop Keras's "shared_object_id" bookkeeping (every copy of the object is complete)."""
    if isinstance(config, dict):
        return {k: _strip_shared_ids(v) for k, v in config.items() if k != "shared_object_id"}
    if isinstance(config, list):
        return [_strip_shared_ids(v) for v in config]
    return config


def model_from_config(spec, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild (and compile, when the dict says how) a model from `serialize_model`'s dict.

    custom_objects: {class name: class} for the model class and custom layers.
    """
    if not isinstance(spec, dict) or "class_name" not in spec:
        raise ValueError(f"Expected a model config dict with 'class_name' and 'config', got "
                         f"{type(spec).__name__}.")
    check_safe(spec, safe_mode)
    spec = _strip_shared_ids(spec)
    custom_objects = dict(custom_objects or {})
    classes = {**model_classes(), **custom_objects}
    name = spec["class_name"]
    if name not in classes:
        raise ValueError(f"Unknown model class {name!r}: minikeras rebuilds Sequential models "
                         "only (pass custom_objects={name: cls} for your own subclass).")
    config = spec.get("config") or {}
    with SafeModeScope(safe_mode):
        model = _build_model(classes[name], config, custom_objects)
    build = spec.get("build_config") or {}
    if not model.built and build.get("input_shape") is not None:
        model.build(build["input_shape"])
    if compile and spec.get("compile_config"):
        compile_from_config(model, spec["compile_config"])
    return model


def _build_model(cls, config, custom_objects):
    """cls.from_config, with custom layer classes looked up in custom_objects first."""
    layer_specs = config.get("layers") or []
    custom = [s for s in layer_specs if isinstance(s, dict) and s.get("class_name") in
              custom_objects]
    if not custom:
        return cls.from_config(config)
    from .. import layers

    model = cls.from_config({**config, "layers": [], "build_input_shape": None})
    for layer_spec in layer_specs:
        layer_cls = custom_objects.get(layer_spec.get("class_name"))
        if layer_cls is None:
            layer = layers.deserialize(layer_spec)
        else:
            layer = layer_cls.from_config(dict(layer_spec.get("config") or {}))
        model.add(layer, rebuild=False)
    if config.get("build_input_shape") is not None and not model.built:
        model.build(config["build_input_shape"])
    model._maybe_build_from_input()
    return model


def model_from_json(json_string, custom_objects=None, safe_mode=True):
    """A model from `to_json`'s string (Keras's `keras.models.model_from_json`)."""
    try:
        spec = json.loads(json_string)
    except (TypeError, json.JSONDecodeError) as error:
        raise ValueError(f"`json_string` is not valid JSON: {error}") from None
    return model_from_config(spec, custom_objects=custom_objects, safe_mode=safe_mode)
