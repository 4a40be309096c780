"""Keras 3's serialized form of an object: {"module", "class_name", "config", "registered_name"}."""


def serialize_object(obj, module):
    """Serialize any object with `get_config()` the way Keras 3 does.

    module: the Keras module the class lives in, e.g. "keras.initializers".
    """
    return {"module": module, "class_name": type(obj).__name__, "config": obj.get_config(),
            "registered_name": None}


def deserialize_object(spec, classes, kind):
    """Rebuild an object from a Keras dict ({"class_name", "config"}) given {class_name: class}."""
    from .lookup import lookup

    if not isinstance(spec, dict) or "class_name" not in spec:
        raise ValueError(f"Could not interpret serialized {kind}: {spec!r} (expected a dict "
                         "with 'class_name' and 'config').")
    cls = lookup(kind, spec["class_name"], classes)
    return cls.from_config(spec.get("config") or {})
