"""Layer: the base class every minikeras layer extends.

The protocol (no autograd tape):

    layer.build(input_shape)           create Variables with `add_weight`
    y = layer.forward(x, training)     compute the output; keep in `self` what backward needs
    dx = layer.backward(dy)            fill `variable.grad` for each weight; return dLoss/dx
    layer.compute_output_shape(shape)  for `summary()` and lazy building
    layer.get_config() / from_config   Keras's keys

`__call__` checks and converts the input, builds on the first call, then calls `forward`.
Backward never changes a weight: the optimizer owns every update.
"""

import numpy as np

from .. import config
from ..load_scope import charge_allocation
from ..utils.data import to_numeric_array  # noqa: F401  (layers' input check)
from ..utils.naming import auto_name, to_snake_case
from ..variable import Variable


def dtype_policy_config(dtype):
    """Keras 3 serializes a layer's dtype as a DTypePolicy dict."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype},
            "registered_name": None}


class Layer:
    # Keras's input_spec in its simplest form: minimum rank, and is the last axis fixed at build?
    min_ndim = None
    # Masking (Keras semantics): a layer that `supports_masking` passes its input mask on;
    # one that `accepts_mask` gets it as `forward(x, training, mask=...)` (e.g. LSTM).
    supports_masking = False
    accepts_mask = False
    # True where the layer's numba kernels run threaded loops that call BLAS from their own
    # threads (convolutions, the recurrent layers' time loops and input projections): a
    # training step of a model with one keeps SciPy's BLAS off its thread pool
    # (kernels.step_blas_threads says why). Wrappers answer for the layers they hold.
    runs_threaded_loops = False

    def __init__(self, name=None, trainable=True, dtype=None, input_shape=None, input_dim=None,
                 batch_input_shape=None, activity_regularizer=None, batch_size=None, **kwargs):
        if kwargs:
            unknown = ", ".join(sorted(kwargs))
            raise TypeError(f"Unrecognized keyword argument(s) passed to {type(self).__name__}: "
                            f"{unknown}")
        if dtype is not None and isinstance(dtype, dict):  # a serialized DTypePolicy
            dtype = dtype["config"]["name"]
        self.name = name or auto_name(to_snake_case(type(self).__name__))
        self.trainable = trainable
        self.dtype = np.dtype(dtype or config.floatx()).name
        self.built = False
        self.path = self.name
        self.input_shape_hint = None  # from input_dim / input_shape: lets Sequential build early
        if input_dim is not None:
            self.input_shape_hint = (None, int(input_dim))
        if input_shape is not None:
            self.input_shape_hint = (None, *tuple(input_shape))
        if batch_size is not None:  # Keras 2: LSTM(..., batch_size=1, input_shape=(t, f))
            from .. import legacy

            legacy.warn_renamed(f"{type(self).__name__}(batch_size=..., input_shape=...)",
                                "Input(shape=..., batch_size=...) as the first layer",
                                stacklevel=4)
            if self.input_shape_hint is None:
                raise ValueError(f"`batch_size={batch_size!r}` on layer {self.name!r} declares "
                                 "the model's input, so it needs `input_shape=` (or "
                                 "`input_dim=`) too.")
            self.input_shape_hint = (int(batch_size), *self.input_shape_hint[1:])
        if batch_input_shape is not None:
            self.input_shape_hint = tuple(batch_input_shape)
        self._weights = []
        self.built_input_shape = None
        from .. import regularizers

        # Penalty on the layer's output, divided by the batch size (Keras 3); the model adds it
        # to the loss and its gradient to dy, so layers never see it.
        self.activity_regularizer = regularizers.get(activity_regularizer)

    # The input axis whose size the weights' shapes were made from (Dense, RNNs: the features,
    # -1), or None where no input axis fixes them (Embedding: its indices' axes are free);
    # a built layer fed another size there is an error (Keras's input_spec).
    weights_input_axis = -1

    # ---- weights -------------------------------------------------------------------------
    def add_weight(self, shape, initializer="glorot_uniform", dtype=None, trainable=True,
                   regularizer=None, constraint=None, name=None):
        from .. import initializers

        init = initializers.get(initializer)
        # a model built from a file's config is held to what the file's weights can fill
        charge_allocation(shape, dtype or self.dtype, f"variable {name!r} of layer {self.name!r}")
        variable = Variable(init, shape=shape, dtype=dtype or self.dtype, trainable=trainable,
                            name=name, constraint=constraint, regularizer=regularizer,
                            path=f"{self.path}/{name}")
        self._weights.append(variable)
        return variable

    @property
    def weights(self):
        return list(self._weights)

    @property
    def trainable_weights(self):
        return [v for v in self._weights if v.trainable and self.trainable]

    @property
    def non_trainable_weights(self):
        return [v for v in self._weights if not (v.trainable and self.trainable)]

    @property
    def variables(self):
        return self.weights

    def get_weights(self):
        return [v.numpy() for v in self._weights]

    def set_weights(self, weights):
        weights = list(weights)
        if len(weights) != len(self._weights):
            raise ValueError(
                f"Layer {self.name!r} expected {len(self._weights)} weights "
                f"({[v.name for v in self._weights]}), but received {len(weights)}."
            )
        for variable, value in zip(self._weights, weights, strict=True):
            value = np.asarray(value)
            if value.shape != variable.shape:
                raise ValueError(
                    f"Layer {self.name!r} weight shape {variable.shape} for {variable.name!r} "
                    f"is not compatible with provided weight shape {value.shape}."
                )
        for variable, value in zip(self._weights, weights, strict=True):
            variable.assign(value)

    def count_params(self):
        return int(sum(v.size for v in self._weights))

    def regularization_loss(self):
        """Sum of the weight-regularizer penalties (added to the training loss, as Keras)."""
        total = 0.0
        for v in self._weights:
            if v.regularizer is not None:
                total += float(v.regularizer(v.value))
        return total

    def add_regularizer_grads(self):
        """Add d(penalty)/dweight to each regularized weight's grad (called after backward)."""
        for v in self._weights:
            if v.regularizer is not None and v.grad is not None:
                v.grad += v.regularizer.gradient(v.value).astype(v.grad.dtype, copy=False)

    # ---- the protocol ----------------------------------------------------------------------
    def build(self, input_shape):
        self.built = True

    def forward(self, x, training=False):
        raise NotImplementedError

    def backward(self, dy):
        raise NotImplementedError

    def infer(self, x, **kwargs):
        """forward(x, training=False) as predict runs it: the same numbers, and nothing need be
        kept for a backward pass (the recurrent layers skip their caches where they can)."""
        return self.forward(x, training=False, **kwargs)

    def backward_weights(self, dy):
        """backward's weight gradients without dLoss/d(input): for the lowest layer a training
        step reaches (trainer.compute_gradients with input_grads=False). Returns None. Layers
        whose input gradient costs much and can be skipped override this (BaseConv)."""
        self.backward(dy)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def compute_mask(self, inputs, mask=None):
        """The mask this layer's output carries: the input's if it supports masking, else None."""
        return mask if self.supports_masking else None

    def check_input(self, x):
        """Raise Keras's incompatible-input error before any kernel runs."""
        if self.min_ndim is not None and x.ndim < self.min_ndim:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"min_ndim={self.min_ndim}, found ndim={x.ndim}. Full shape received: {x.shape}"
            )
        expected = self.built_input_shape
        if self.built and expected is not None and expected[-1] is not None:
            if x.shape[-1] != expected[-1]:
                raise ValueError(
                    f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                    f"axis -1 of input shape to have value {expected[-1]}, but received input "
                    f"with shape {x.shape}"
                )

    def build_from_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if not self.built:
            self.build(input_shape)
            self.built = True
            self.built_input_shape = (None, *input_shape[1:])

    def __call__(self, inputs, training=False):
        x = to_numeric_array(inputs, self.dtype)
        if self.min_ndim is not None and x.ndim < self.min_ndim:
            self.check_input(x)
        self.build_from_shape(x.shape)
        self.check_input(x)
        return self.forward(x, training=training)

    # ---- config ------------------------------------------------------------------------------
    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": dtype_policy_config(self.dtype)}
        if self.activity_regularizer is not None:
            from .. import regularizers

            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_build_config(self):
        if self.built_input_shape is None:
            return None
        return {"input_shape": self.built_input_shape}

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def call_layer(layer, x, training, mask, infer=False):
    """One layer's forward pass (`infer`: its `infer`, predict's); the mask goes to layers
    that take one, as Keras passes it.

    Returns (output, the output's mask).
    """
    kwargs = {"mask": mask} if mask is not None and layer.accepts_mask else {}
    y = layer.infer(x, **kwargs) if infer else layer.forward(x, training=training, **kwargs)
    return y, layer.compute_mask(x, mask)


def serialize_layer(layer, build=True):
    """Keras's serialized dict of a layer: module, class name, config, build_config once
    built."""
    spec = {"module": "keras.layers", "class_name": type(layer).__name__,
            "config": layer.get_config(), "registered_name": None}
    if build and layer.get_build_config() is not None:
        spec["build_config"] = layer.get_build_config()
    return spec
