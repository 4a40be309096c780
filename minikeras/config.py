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
