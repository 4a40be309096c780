"""Sequential: a stack of layers, each feeding the next.

Forward runs the layers in order; backward runs them in reverse, each turning dLoss/d(output)
into dLoss/d(input) and filling its weights' grads. Training, evaluation and prediction are in
`trainer.py`; `summary()` is in `summary.py`.
"""

import numpy as np

from .. import layers as layers_module
from ..layers.base import (  # noqa: F401  (to_numeric_array: imported from here elsewhere)
    Layer,
    call_layer,
    dtype_policy_config,
    serialize_layer,
    to_numeric_array,
)
from ..layers.input_layer import InputLayer, KerasTensor
from ..saving.serialization import register_model_class
from ..utils import data
from ..utils.naming import auto_name
from .saving import SavingMixin
from .trainer import Trainer


@register_model_class
class Sequential(SavingMixin, Trainer):
    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__()
        self.name = name or auto_name("sequential")
        self.trainable = trainable
        self.input_layer = None
        self._layers = []
        self.built = False
        self.dtype = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_build_from_input()

    # ---- the stack ---------------------------------------------------------------------------
    def add(self, layer, rebuild=True):
        """Append a layer (or an `Input(...)` tensor / InputLayer, which must come first)."""
        if isinstance(layer, KerasTensor):
            layer = layer.input_layer
        if isinstance(layer, InputLayer):
            if self.input_layer is not None or self._layers:
                raise ValueError("An InputLayer/Input can only be the first layer of a "
                                 f"Sequential model; {self.name!r} already has layers.")
            self.input_layer = layer
            self._maybe_build_from_input()
            return
        if not isinstance(layer, Layer):
            raise TypeError("Only instances of `minikeras.layers.Layer` can be added to a "
                            f"Sequential model. Received: {layer!r} (of type {type(layer)})")
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(f"All layers added to a Sequential model should have unique "
                             f"names. Name {layer.name!r} is already the name of a layer in "
                             "this model. Update the `name` argument to pass a unique name.")
        if not self._layers and self.input_layer is None and layer.input_shape_hint:
            self.input_layer = InputLayer(batch_shape=layer.input_shape_hint, dtype=layer.dtype)
        self._layers.append(layer)
        self.built = False
        if rebuild:
            self._maybe_build_from_input()

    def pop(self):
        """Remove and return the last layer."""
        if not self._layers:
            raise IndexError("There are no layers in the model.")
        layer = self._layers.pop()
        self.built = False
        self._maybe_build_from_input()
        return layer

    @property
    def layers(self):
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        if index is not None and name is not None:
            raise ValueError("Provide only one of `name` or `index`, not both.")
        if index is not None:
            if not -len(self._layers) <= index < len(self._layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(self._layers)} layers.")
            return self._layers[index]
        for layer in self._layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name!r}. Existing layers are: "
                         f"{[layer.name for layer in self._layers]}.")

    # ---- building ----------------------------------------------------------------------------
    def _maybe_build_from_input(self):
        if self.input_layer is not None and self._layers:
            self.build(self.input_layer.batch_shape)

    def build(self, input_shape=None):
        """Build every layer in turn, feeding each the previous layer's output shape."""
        if input_shape is None:
            if self.input_layer is None:
                raise ValueError("You must provide an `input_shape` argument (or give the "
                                 "model an `Input`) to build it.")
            input_shape = self.input_layer.batch_shape
        shape = (None, *tuple(input_shape)[1:])
        if self.input_layer is None:
            self.input_layer = InputLayer(batch_shape=shape)
        declared_batch = self.input_layer.batch_shape[0]  # batch_input_shape / Input(batch_size)
        for layer in self._layers:
            if getattr(layer, "stateful", False):
                layer.declared_batch_size = declared_batch
            old, layer.path = layer.path, f"{self.name}/{layer.name}"
            for variable in layer.weights:  # keep nested segments (lstm_cell/, forward_gru/)
                tail = (variable.path[len(old) + 1:] if variable.path.startswith(old + "/")
                        else variable.name)
                variable.path = f"{layer.path}/{tail}"
            check_built_shape(layer, shape)
            layer.build_from_shape(shape)
            shape = layer.compute_output_shape(shape)
        self.built = bool(self._layers)
        self.dtype = self._layers[0].dtype if self._layers else None

    @property
    def input_shape(self):
        return None if self.input_layer is None else self.input_layer.batch_shape

    @property
    def output_shape(self):
        return self.compute_output_shape(self.input_shape)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self._layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def layer_output_shapes(self):
        """The output shape of each layer, or None for each when the model is not built."""
        if not self.built:
            return [None] * len(self._layers)
        shapes, shape = [], self.input_shape
        for layer in self._layers:
            shape = layer.compute_output_shape(shape)
            shapes.append(shape)
        return shapes

    # ---- running -----------------------------------------------------------------------------
    def forward(self, x, training=False):
        mask = None
        for layer in self._layers:
            x, mask = call_layer(layer, x, training, mask)
        return x

    def infer(self, x):
        """forward(x, training=False) as predict runs it: the same numbers, through each
        layer's `infer` (a recurrent layer then keeps no cache for backward, and where it can,
        runs projection and time loop in one compiled call). A subclass's own `forward` runs
        as it is."""
        if type(self).forward is not Sequential.forward:
            return self.forward(x, training=False)
        mask = None
        for layer in self._layers:
            x, mask = call_layer(layer, x, False, mask, infer=True)
        return x

    def runs_default_steps(self, mode):
        """Trainer's question, and for evaluate / predict also: is `forward` Sequential's?"""
        return super().runs_default_steps(mode) and (
            mode == "train" or type(self).forward is Sequential.forward)

    def backward(self, dy):
        for layer in reversed(self._layers):
            dy = layer.backward(dy)
        return dy

    def __call__(self, inputs, training=False):
        """Run the model eagerly on an array (checks and builds first, as Keras does)."""
        if not self._layers:
            raise ValueError(f"Sequential model {self.name!r} has no layers.")
        if self._takes_indices():
            x = index_array(inputs)
        else:
            x = to_numeric_array(inputs, self._layers[0].dtype)
        self.check_input(x)
        return self.forward(x, training=training)

    # ---- integer inputs (an Embedding first) ---------------------------------------------
    def _takes_indices(self):
        return bool(self._layers) and getattr(self._layers[0], "integer_input", False)

    def _prepare_x(self, x):
        """x for fit/evaluate/predict: a model starting with an Embedding keeps integer x as
        indices (casting them to float32 would round indices above 2**24)."""
        if not self._takes_indices():
            return super()._prepare_x(x)
        x = index_array(x)
        x = data.as_data(x, "x", x.dtype)
        self.check_input(x)
        self._layers[0].check_input(x)  # every index, before the first batch trains
        return x

    def _prepare(self, x, y, sample_weight=None, class_weight=None):
        if not self._takes_indices():
            return super()._prepare(x, y, sample_weight, class_weight)
        # The trainer casts y and sample_weight to x's dtype; for integer x they must take
        # the model's float dtype, so they are prepared next to a float copy of x.
        indices = self._prepare_x(x)
        float_x = indices.astype(self._layers[0].dtype)
        _, y, sample_weight = super()._prepare(float_x, y, sample_weight, class_weight)
        return indices, y, sample_weight

    def check_input(self, x):
        """Build from the first batch if needed, then check shapes layer by layer."""
        if not self.built:
            if x.ndim < 2:
                raise ValueError(f"Expected input data of shape (batch, features), but got an "
                                 f"array of shape {x.shape}.")
            self.build(x.shape)
        expected = self.input_shape
        if expected[1:] == x.shape[1:]:  # the usual case, before the check that allows None
            return
        if len(expected) != x.ndim or any(
                e is not None and e != g for e, g in zip(expected[1:], x.shape[1:], strict=False)):
            raise ValueError(f'Input 0 of layer "{self._layers[0].name}" is incompatible with '
                             f"the layer: expected shape={expected}, found shape={x.shape}")

    def reset_state(self):
        """Zero the carried states of every stateful layer (Keras 3: `layer.reset_state()`)."""
        for layer in self._layers:
            if hasattr(layer, "reset_state"):
                layer.reset_state()

    def reset_states(self):
        """Keras 2's `model.reset_states()`: the same as `reset_state()`."""
        self.reset_state()

    # ---- weights -----------------------------------------------------------------------------
    @property
    def weights(self):
        return [v for layer in self._layers for v in layer.weights]

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [v for layer in self._layers for v in layer.trainable_weights]

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        return [v for layer in self._layers for v in layer.non_trainable_weights]

    trainable_variables = trainable_weights
    variables = weights

    def get_weights(self):
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        """Set every weight, in Keras's order (per layer: kernel, bias, ...)."""
        weights = list(weights)
        variables = self.weights
        if len(weights) != len(variables):
            raise ValueError(f"You called `set_weights(weights)` on model {self.name!r} with a "
                             f"weight list of length {len(weights)}, but the model was "
                             f"expecting {len(variables)} weights.")
        for variable, value in zip(variables, weights, strict=True):
            if np.shape(value) != variable.shape:
                raise ValueError(f"Weight {variable.path!r} has shape {variable.shape}, but the "
                                 f"provided value has shape {np.shape(value)}.")
        for variable, value in zip(variables, weights, strict=True):
            variable.assign(value)

    def count_params(self):
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on model {self.name!r}, but "
                             "the model has not been built. Build it first (call it on data, "
                             "or give it an Input).")
        return int(sum(layer.count_params() for layer in self._layers))

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        from .summary import print_summary

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      show_trainable=show_trainable, layer_range=layer_range)

    # ---- config ------------------------------------------------------------------------------
    def get_config(self):
        layer_configs = []
        if self.input_layer is not None:
            layer_configs.append(serialize_layer(self.input_layer, build=False))
        layer_configs += [serialize_layer(layer) for layer in self._layers]
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": dtype_policy_config(self.dtype or "float32"), "layers": layer_configs}
        if self.built:
            config["build_input_shape"] = self.input_shape
        return config

    @classmethod
    def from_config(cls, config):
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for spec in config["layers"]:
            layer = layers_module.deserialize(spec)
            model.add(layer, rebuild=False)
        if config.get("build_input_shape") is not None and not model.built:
            model.build(config["build_input_shape"])
        model._maybe_build_from_input()
        return model

    def __repr__(self):
        return f"<Sequential name={self.name}, built={self.built}>"


def index_array(x):
    """x as an array that keeps integer and float data in its own dtype (the Embedding checks
    that floats hold whole numbers); anything else (bools, lists) as float64."""
    if hasattr(x, "to_numpy"):
        x = x.to_numpy()
    array = np.asarray(x)
    if array.dtype.kind in "iuf":
        return array
    return to_numeric_array(array, "float64", argname="x")


def check_built_shape(layer, shape):
    """A layer built already (a `build_config` in a file) must fit what the previous layer
    gives: Keras's input_spec error, raised at build instead of inside a kernel at predict.

    Only layers with weights are held to their built shape (their weights were shaped by it);
    a layer without weights is rebuilt for the new shape, as Keras accepts it.
    """
    built = layer.built_input_shape
    if not layer.built or built is None:
        return
    axis = layer.weights_input_axis  # the input axis the weights' shapes were made from
    if layer.weights and axis is not None and len(built) == len(shape) \
            and built[axis] is not None and shape[axis] is not None \
            and built[axis] != shape[axis]:
        raise ValueError(f'Input 0 of layer "{layer.name}" is incompatible with the layer: '
                         f"expected axis {axis} of input shape to have value {built[axis]}, but "
                         f"received input with shape {tuple(shape)}")
    if not layer.weights and tuple(built[1:]) != tuple(shape[1:]):
        layer.built = False
