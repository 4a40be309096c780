"""Embedding: integer indices -> rows of a trainable table, `y = embeddings[x]`.

Forward (x: (batch, ...) integer indices in [0, input_dim)):
    y[b, ..., :] = embeddings[x[b, ...], :]          embeddings: (input_dim, output_dim)
Backward, given dy (batch, ..., output_dim):
    dembeddings[i, :] = sum of dy over the positions where x == i     (0 for unused rows)
    x has no gradient (it is discrete); backward returns zeros of x's shape.
mask_zero=True: index 0 is padding; the output carries the mask `x != 0`, which the model
hands to the next layers that take one (LSTM, GRU, GlobalAveragePooling1D, ...).

The gradient is passed dense, which is what Keras's optimizers compute from TensorFlow's row
gradient (IndexedSlices) in everything linear in it: an untouched row gets what Keras gives it
(SGD: nothing; Adam: its moments decay, as Keras's densified update does). Where they square
it (Adam, AdamW, RMSprop, Adagrad), Keras squares each lookup's row before rows of the same
index are summed; backward leaves that sum as `embeddings.grad_square`, and those optimizers
use it (kernels/numpy_ref/embedding.py). Adadelta, Adamax, Nadam, Ftrl and Lion still see the
dense gradient's square: for an index repeated in a batch they differ from Keras.

Indices: any integer dtype; floats only when they hold whole numbers (Keras casts floats to
int32 and so truncates 2.7 to 2; minikeras raises). Out-of-range or negative indices raise a
ValueError naming the first one, before any kernel runs (Keras on TensorFlow raises on CPU
too, inside the gather op).
"""

import numbers
import warnings

import numpy as np

from .. import constraints, initializers, kernels, regularizers
from . import legacy_args
from .base import Layer


def check_indices(x, input_dim, name):
    """x as an int64 array, or a TypeError/ValueError naming the first bad index."""
    if hasattr(x, "to_numpy"):
        x = x.to_numpy()
    x = np.asarray(x)
    if x.dtype.kind == "f":
        whole = np.isfinite(x) & (x == np.floor(x))
        if not whole.all():
            at = tuple(int(i) for i in np.argwhere(~whole)[0])
            raise TypeError(f"Embedding layer {name!r} expects integer indices, but its input "
                            f"holds the non-integer value {x[at].item()!r} at position {at} (dtype "
                            f"{x.dtype}). Pass an integer array.")
    elif x.dtype.kind not in "biu":
        raise TypeError(f"Embedding layer {name!r} expects integer indices, but got an array "
                        f"of dtype {x.dtype}.")
    bad = (x < 0) | (x >= input_dim)
    if bad.any():
        at = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"Embedding layer {name!r}: index {x[at].item()!r} at position {at} is "
                         f"out of range; expected indices in [0, input_dim) = [0, {input_dim}).")
    return x.astype(np.int64, copy=False)


class Embedding(Layer):
    weights_input_axis = None  # any number of indices per sample
    integer_input = True  # Sequential keeps x as indices instead of casting it to floats

    @legacy_args.accepts(legacy_args.EMBEDDING)
    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
                raise ValueError(f"`{arg}` must be a positive integer. Received: {arg}={value!r}"
                                 f" (of type {type(value).__name__}).")
        if lora_rank is not None or quantization_config is not None:
            raise ValueError("minikeras's Embedding does not support LoRA or quantization "
                             f"(got lora_rank={lora_rank!r}, "
                             f"quantization_config={quantization_config!r}).")
        if kwargs.pop("input_length", None) is not None:  # Keras 2's argument, as Keras 3 does
            warnings.warn("Argument `input_length` is deprecated. Just remove it.",
                          DeprecationWarning, stacklevel=2)
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.embeddings = None
        if weights is not None:
            self.build_from_shape((None, None))
            self.set_weights(weights if isinstance(weights, list) and len(weights) == 1
                             else [weights])

    def build(self, input_shape=None):
        if self.embeddings is None:
            self.embeddings = self.add_weight(
                shape=(self.input_dim, self.output_dim), name="embeddings",
                initializer=self.embeddings_initializer,
                regularizer=self.embeddings_regularizer,
                constraint=self.embeddings_constraint)
        self.built = True

    def __call__(self, inputs, training=False):
        indices = check_indices(inputs, self.input_dim, self.name)
        self.build_from_shape(indices.shape)
        return self.forward(indices, training=training)

    def check_input(self, x):
        check_indices(x, self.input_dim, self.name)

    def forward(self, x, training=False):
        indices = check_indices(x, self.input_dim, self.name)
        y = kernels.embedding.embedding_forward(self.embeddings.value, indices.reshape(-1))
        self._cache = indices
        return y.reshape(*indices.shape, self.output_dim)

    def backward(self, dy):
        indices = self._cache
        rows, flat = np.ascontiguousarray(dy).reshape(-1, self.output_dim), indices.reshape(-1)
        self.embeddings.grad = kernels.embedding.embedding_backward(rows, flat, self.input_dim)
        # What Keras's optimizers square: each lookup's row, summed per index afterwards (a
        # weight penalty makes Keras's gradient dense again, and then the plain square holds)
        self.embeddings.grad_square = (
            kernels.embedding.embedding_backward(rows * rows, flat, self.input_dim)
            if self.embeddings_regularizer is None else None)
        return np.zeros(indices.shape, dtype=dy.dtype)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return np.asarray(inputs) != 0

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape), self.output_dim)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": None,
        })
        return config
