"""Global settings, as `keras.config` has them: the float dtype and the fuzz factor epsilon;
and which Keras backend's numerics minikeras reproduces (`set_numerics`)."""

import numpy as np

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


_NUMERICS = "tensorflow"
_LOGITS_CROSSENTROPY = True


def numerics():
    """Which Keras backend's arithmetic minikeras reproduces: "tensorflow" (default) or "jax"."""
    return _NUMERICS


def set_numerics(value):
    """Reproduce the arithmetic of Keras on TensorFlow ("tensorflow", the default) or of Keras
    on JAX ("jax"; `python -m parity --backend jax` sets it for its run).

    The backends differ in two places, and this switch sets both:
    - Python-float constants (learning rates, beta_1/beta_2, epsilon, regularization factors,
      leaky_relu's slope, gelu's 0.044715, log(2) in log_cosh): TensorFlow makes them float32
      tensors first and casts those, so float64 math carries their float32 rounding
      (0.999 -> 0.9990000128746033); JAX (with x64, floatx float64) keeps them exact.
      `backend_float(value, dtype)` is that cast. float32 results are the same bits.
      (Not covered: a schedule with a Python-float initial_learning_rate computes in float32
      here, as on TensorFlow; Keras on JAX with x64 computes most of them in float64.)
    - Crossentropy after a sigmoid/softmax output: TensorFlow computes it from the logits;
      JAX clips the probabilities at epsilon, and its clip splits the gradient of a
      probability exactly on a bound in half. So "jax" also sets logits_crossentropy(False)
      and "tensorflow" sets it back to True (set_logits_crossentropy changes it alone after).
    """
    global _NUMERICS
    if value not in ("tensorflow", "jax"):
        raise ValueError(f"Unknown `numerics` value: {value!r}. Expected 'tensorflow' or 'jax'.")
    _NUMERICS = str(value)
    set_logits_crossentropy(value == "tensorflow")


def backend_float(value, dtype):
    """A Python float `value` as Keras's backend casts it to `dtype` (a NumPy scalar).

    tensorflow numerics: through float32 first (float64: 0.9 -> 0.8999999761581421);
    jax numerics: exact in `dtype`. Other values (ints, NumPy scalars) convert directly.
    """
    dtype = np.dtype(dtype)
    if type(value) is float and _NUMERICS == "tensorflow":
        return dtype.type(np.float32(value))
    return dtype.type(value)


def logits_crossentropy():
    """Whether fit/evaluate compute crossentropy from the logits after a sigmoid/softmax output.

    True does what Keras on TensorFlow does; False uses the clipped-probability formula of
    Keras's JAX and NumPy backends (and of TensorFlow run eagerly). `set_numerics` sets it
    with the rest of a backend's numerics (True for "tensorflow", the default; False for "jax").
    """
    return _LOGITS_CROSSENTROPY


def set_logits_crossentropy(value):
    """Choose the crossentropy form alone (a finer switch than `set_numerics`)."""
    global _LOGITS_CROSSENTROPY
    if not isinstance(value, bool):
        raise TypeError(f"`value` must be True or False, got {value!r}.")
    _LOGITS_CROSSENTROPY = value


_IMAGE_DATA_FORMAT = "channels_last"


def image_data_format():
    """Where images keep their channels: "channels_last" (default, (n, h, w, c)) or
    "channels_first" ((n, c, h, w)); the datasets and ImageDataGenerator follow it."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format!r}")
    _IMAGE_DATA_FORMAT = str(data_format)


def backend():
    """The name of the array library underneath: "numpy" (minikeras runs on NumPy and numba)."""
    return "numpy"


def keras_home():
    """The cache folder for datasets and downloads: $KERAS_HOME, else ~/.keras."""
    from .utils.file_utils import keras_home as home

    return home()
