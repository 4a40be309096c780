"""The Keras half of parity.check_layer: build the layer, draw its weights, and its gradients.

A layer's gradients are a vector-Jacobian product: for an upstream gradient dy (what the next
layer would send back), dx = d(sum(y * dy))/dx and dW = d(sum(y * dy))/dW. They come from the
backend's own machinery, as in parity.core: tf.GradientTape on TensorFlow, jax.vjp on JAX.
"""

import difflib
import inspect

import numpy as np

from .core import _keras, keras_float64

# layers whose input is integer indices, not floats: (class name -> config key of the bound)
INTEGER_INPUTS = {"Embedding": "input_dim"}


def layer_class(name):
    """The Keras layer class called `name`, or a ValueError naming the closest ones."""
    keras = _keras()
    cls = getattr(keras.layers, name, None) if isinstance(name, str) else None
    if isinstance(cls, type) and issubclass(cls, keras.layers.Layer):
        return cls
    known = [n for n in dir(keras.layers) if n[:1].isupper()
             and isinstance(getattr(keras.layers, n), type)
             and issubclass(getattr(keras.layers, n), keras.layers.Layer)]
    close = difflib.get_close_matches(str(name), known, n=3)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    raise ValueError(f"layer={name!r}: Keras {keras.__version__} has no layer of that name "
                     f"(keras.layers.{name} does not exist).{hint}")


def exact_floats(cls, config, dtype):
    """config with its Python floats, and cls's float defaults, as np.float64 in float64.

    Keras on TensorFlow turns a Python float into a float32 tensor before casting it to the
    variable's dtype (`ops.cast(self.beta_1, variable.dtype)`), so a float64 Adam runs with
    beta_2 = 0.9990000128746033 and misses an exact float64 update by ~7e-6 of the step; a
    NumPy float64 scalar converts to float64 directly. (parity.core.numerics_of makes
    minikeras copy that rounding instead; your code should not have to.)
    """
    if dtype != "float64":
        return config
    defaults = {p.name: p.default for p in inspect.signature(cls.__init__).parameters.values()
                if type(p.default) is float}
    return {k: np.float64(v) if type(v) is float else v for k, v in {**defaults, **config}.items()}


def build_layer(layer, config, dtype):
    """A fresh Keras layer from a class name (+ config), a serialized dict, or a layer instance.

    An instance (Keras's, or any object with get_config() whose class name Keras has, such as
    a minikeras layer) is rebuilt from its config, so its own weights are never touched.
    The layer computes in `dtype` whatever the config says.
    """
    if isinstance(layer, dict):
        if "class_name" not in layer:
            raise TypeError(
                "layer=<dict>: a dict needs 'class_name' and 'config' (keras.layers.serialize's "
                "form); for a bare get_config() dict pass the class name as layer and the dict "
                "as config, e.g. check_layer('Dense', layer.get_config(), ...).")
        name, base = layer["class_name"], dict(layer.get("config") or {})
    elif isinstance(layer, str):
        name, base = layer, {}
    elif hasattr(layer, "get_config"):
        name, base = type(layer).__name__, dict(layer.get_config())
    else:
        raise TypeError(f"layer={layer!r}: expected a Keras layer class name ('Dense'), a layer "
                        "instance or a serialized layer dict.")
    cls = layer_class(name)
    if config is not None and not isinstance(config, dict):
        raise TypeError(f"config={config!r}: expected a dict of {name} arguments, e.g. "
                        "{'units': 3}.")
    merged = {**base, **(config or {})}
    merged.pop("name", None)  # a copied name would clash with the original's
    merged["dtype"] = dtype
    try:
        return cls.from_config(exact_floats(cls, merged, dtype))
    except (TypeError, ValueError) as error:
        raise ValueError(f"config for {name}: Keras rejects it: {error}") from None


def describe(layer):
    """'Dense(units=3, activation=tanh)': the arguments that differ from the defaults."""
    config = layer.get_config()
    required = _required(type(layer))
    default = type(layer).from_config({k: config[k] for k in required if k in config})
    default = default.get_config()
    changed = [f"{k}={_short(v)}" for k, v in config.items()
               if k not in ("name", "dtype", "trainable")
               and (k in required or default.get(k) != v)]
    return f"{type(layer).__name__}({', '.join(changed)})"


def _required(cls):
    return [p.name for p in inspect.signature(cls.__init__).parameters.values()
            if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self"]


def _short(value):
    if isinstance(value, dict) and "class_name" in value:
        return value["class_name"]
    return value if isinstance(value, str) else repr(value)


def draw_input(layer, input_shape, dtype, rng):
    """x for the layer: N(0, 1) floats, or valid indices for an Embedding-like layer."""
    bound = INTEGER_INPUTS.get(type(layer).__name__)
    if bound:
        return rng.integers(0, getattr(layer, bound), size=input_shape).astype("int32")
    return rng.normal(size=input_shape).astype(dtype)


def build_and_draw_weights(layer, x, rng, mask=None):
    """Build the layer on x and give every trainable weight random values from rng.

    Trainable weights: N(0, 1/fan_in) (fan_in = product of all but the last axis), so
    pre-activations stay O(1) and no gate saturates; a 1-D weight (a bias) gets N(0, 0.5^2),
    nonzero so a forgotten bias shows. Non-trainable weights (moving statistics) keep Keras's
    initial values. Returns the weights in get_weights() order.
    """
    layer(x, mask=mask) if mask is not None else layer(x)
    values = []
    for variable in layer.weights:
        shape = tuple(variable.shape)
        value = np.asarray(variable.numpy())
        if variable.trainable:
            fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 4
            value = rng.normal(scale=1 / np.sqrt(fan_in), size=shape)
        values.append(value.astype(variable.dtype))
    layer.set_weights(values)
    return [np.asarray(w) for w in layer.get_weights()]


def weight_names(layer):
    """Each weight's name in get_weights() order ('kernel', 'recurrent_kernel', 'bias', ...)."""
    return [v.path.rsplit("/", 1)[-1] for v in layer.weights]


def _as_list(y):
    return list(y) if isinstance(y, (list, tuple)) else [y]


def forward_and_vjp(layer, x, dys, training=False, mask=None):
    """Keras's outputs and (dx, [dweight per weight]) for upstream gradients dys (one per output).

    dx is None for integer inputs; a weight's gradient is None where it does not affect the
    outputs (or is non-trainable on JAX). Outputs come back as a list.
    """
    keras = _keras()
    keras_float64(layer.dtype == "float64")
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return _tf_vjp(layer, x, dys, training, mask)
    if backend == "jax":
        return _jax_vjp(layer, x, dys, training, mask)
    raise ValueError(f"check_layer supports Keras on tensorflow and jax, not {backend!r}.")


def _call(layer, x, training, mask):
    kwargs = {"training": training}
    if mask is not None:
        kwargs["mask"] = mask
    return layer(x, **kwargs)


def _tf_vjp(layer, x, dys, training, mask):
    import tensorflow as tf

    floating = np.issubdtype(x.dtype, np.floating)
    x_t = tf.constant(x)
    variables = [v.value for v in layer.weights]
    with tf.GradientTape() as tape:
        if floating:
            tape.watch(x_t)
        tape.watch(variables)
        ys = _as_list(_call(layer, x_t, training, mask))
        total = tf.add_n([tf.reduce_sum(y * tf.constant(dy, y.dtype))
                          for y, dy in zip(ys, dys, strict=True)])
    grads = tape.gradient(total, [x_t, *variables] if floating else variables)
    dx = grads.pop(0) if floating else None
    return ([np.asarray(y) for y in ys], None if dx is None else np.asarray(dx),
            [None if g is None else np.asarray(tf.convert_to_tensor(g)) for g in grads])


def _jax_vjp(layer, x, dys, training, mask):
    import jax
    import jax.numpy as jnp

    trainable = [v.value for v in layer.trainable_variables]
    frozen = [v.value for v in layer.non_trainable_variables]
    floating = np.issubdtype(x.dtype, np.floating)

    # stateless_call hands its arguments to call() as they are (__call__ would drop those
    # call() does not take, e.g. Embedding's training)
    accepted = inspect.signature(layer.call).parameters
    kwargs = {k: v for k, v in (("training", training), ("mask", mask))
              if k in accepted and (v is not None)}

    def outputs(weights, inputs):
        y, _ = layer.stateless_call(weights, frozen, inputs, **kwargs)
        return _as_list(y)

    if floating:
        ys, pullback = jax.vjp(outputs, trainable, jnp.asarray(x))
        dweights, dx = pullback([jnp.asarray(dy) for dy in dys])
    else:
        ys, pullback = jax.vjp(lambda w: outputs(w, jnp.asarray(x)), trainable)
        (dweights,), dx = pullback([jnp.asarray(dy) for dy in dys]), None
    by_id = {id(v): np.asarray(g) for v, g in zip(layer.trainable_variables, dweights,
                                                   strict=True)}
    return ([np.asarray(y) for y in ys], None if dx is None else np.asarray(dx),
            [by_id.get(id(v)) for v in layer.weights])
