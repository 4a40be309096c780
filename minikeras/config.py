"""Global settings, as `keras.config` has them: the float dtype and the fuzz factor epsilon."""

_FLOATX = "float32"
_EPSILON = 1e-7


def floatx():
    """The default float dtype name: "float32" unless `set_floatx` changed it."""
    return _FLOATX


def set_floatx(value):
    """Set the default float dtype ("float32" or "float64"; Keras also allows float16)."""
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError(
            f"Unknown `floatx` value: {value!r}. Expected one of 'float16', 'float32', 'float64'."
        )
    _FLOATX = str(value)


def epsilon():
    """The fuzz factor Keras uses to keep logs and divisions finite (1e-7)."""
    return _EPSILON


def set_epsilon(value):
    global _EPSILON
    _EPSILON = float(value)


_LOGITS_CROSSENTROPY = True


def logits_crossentropy():
    """Whether fit/evaluate compute crossentropy from the logits after a sigmoid/softmax output.

    True (default) does what Keras on TensorFlow does; False uses the clipped-probability
    formula of Keras's JAX and NumPy backends (`python -m parity --backend jax` sets it).
    """
    return _LOGITS_CROSSENTROPY


def set_logits_crossentropy(value):
    global _LOGITS_CROSSENTROPY
    if not isinstance(value, bool):
        raise TypeError(f"`value` must be True or False, got {value!r}.")
    _LOGITS_CROSSENTROPY = value
