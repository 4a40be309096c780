"""Lambda: a layer made of a NumPy function, `y = function(x, **arguments)`, as Keras 3's.

Forward:   y = function(x, **arguments)        (plus mask= / training= if the function takes
                                                them, as Keras passes them)
Backward:  dx = grad(dy, x, y, **arguments)    only with the minikeras extension `grad=`
Keras differentiates the function automatically; minikeras has no autograd tape, so a Lambda
trains only when you give it its derivative: for y = x ** 2, `grad=lambda dy, x, y: 2 * x * dy`.
Without `grad`, inference always works and backward raises a ValueError naming the layer.
Shapes: x is whatever the previous layer gives, (batch, ...); y is what the function returns;
dy has y's shape and dx must have x's.

Serialization follows Keras: a named function is stored by name ({"class_name": "function",
"config": name}); a Python lambda is stored as its marshalled bytecode in base64 ("__lambda__"),
which `from_config` refuses to run unless `safe_mode=False` (running stored bytecode can run
any code).

Safe mode (the default when loading): a named function comes from `custom_objects`, or, when
the file says module "numpy", from an allow-list: NumPy's unary ufuncs (np.tanh, np.exp, ...),
with no `arguments`. Their output shape is the input's, so nothing from the file is called
while the model loads. Keras 3.15 is stricter still: it never looks a Lambda's function up in
NumPy (only in custom_objects, registered objects and Keras's own API), in either mode.
With safe_mode=False any NumPy function can be named, as before.
"""

import builtins
import codecs
import inspect
import marshal
import types

import numpy as np

from ..load_scope import in_safe_mode
from .base import Layer

LAMBDA_REFUSED = (
    "Requested the deserialization of a `Lambda` layer whose `function` is a Python lambda. "
    "This carries a potential risk of arbitrary code execution and thus it is disallowed by "
    "default. If you trust the source of the artifact, you can override this error by passing "
    "`safe_mode=False` to the loading function."
)


def func_dump(fn):
    """(base64 bytecode, defaults, closure values) of a Python function, as Keras stores it."""
    code = codecs.encode(marshal.dumps(fn.__code__), "base64").decode("ascii")
    closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
    return code, fn.__defaults__, closure


def func_load(code, defaults=None, closure=None):
    """The function `func_dump` stored; its globals are Python's builtins and `np` (NumPy)."""
    raw = marshal.loads(codecs.decode(code.encode("ascii"), "base64"))
    cells = None if closure is None else tuple(types.CellType(v) for v in closure)
    defaults = tuple(defaults) if isinstance(defaults, list) else defaults
    globs = {"__builtins__": builtins, "np": np, "numpy": np}
    return types.FunctionType(raw, globs, name=raw.co_name, argdefs=defaults, closure=cells)


def serialize_function(fn):
    """Keras's config for a function: bytecode for a lambda, its name for a named function.

    Keras records named functions with module "builtins"; NumPy ufuncs (which Keras cannot
    serialize) are recorded with module "numpy" and come back from NumPy by name.
    """
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        code, defaults, closure = func_dump(fn)
        return {"class_name": "__lambda__",
                "config": {"code": code, "defaults": defaults, "closure": closure}}
    if callable(fn) and hasattr(fn, "__name__"):
        module = "numpy" if isinstance(fn, np.ufunc) else "builtins"
        return {"module": module, "class_name": "function", "config": fn.__name__,
                "registered_name": "function"}
    raise ValueError(f"Invalid input type for serialization. Received: {fn} of type {type(fn)}.")


def deserialize_function(spec, argname, custom_objects, safe_mode):
    """The function a `serialize_function` config describes (lambdas only if not safe_mode)."""
    if callable(spec):
        return spec
    if isinstance(spec, dict) and spec.get("class_name") == "__lambda__":
        if safe_mode:
            raise ValueError(LAMBDA_REFUSED)
        inner = spec["config"]
        return func_load(inner["code"], inner.get("defaults"), inner.get("closure"))
    name = spec.get("config") if isinstance(spec, dict) else spec
    custom_objects = custom_objects or {}
    if isinstance(name, str) and name in custom_objects:
        return custom_objects[name]
    if isinstance(spec, dict) and spec.get("module") == "numpy" and isinstance(name, str):
        function = getattr(np, name, None)
        if safe_mode and not is_elementwise(function):
            raise ValueError(
                f"Refusing to look up `numpy.{name}` for Lambda's `{argname}` in safe mode: "
                "only NumPy's one-input elementwise functions (unary ufuncs such as "
                "numpy.tanh) may be named in a file; any other function comes from "
                f"custom_objects={{{name!r}: ...}}, or pass `safe_mode=False` if you trust "
                f"the file. Received: {argname}={spec!r}")
        if callable(function):
            return function
    raise ValueError(f"Could not find the function {name!r} for Lambda's `{argname}`: pass it "
                     f"as custom_objects={{{name!r}: {name}}}. Received: {argname}={spec!r}")


def is_elementwise(function):
    """True for a NumPy unary ufunc (y[i] = f(x[i]): output shape = input shape)."""
    return isinstance(function, np.ufunc) and function.nin == 1 and function.nout == 1


def serialize_value(value):
    """Keras's form of an argument or mask value: arrays as {"class_name": "__numpy__", ...}."""
    if isinstance(value, np.ndarray):
        return {"class_name": "__numpy__",
                "config": {"value": value.tolist(), "dtype": value.dtype.name}}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: serialize_value(v) for k, v in value.items()}
    return value


def deserialize_value(value):
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        return np.asarray(value["config"]["value"], dtype=value["config"]["dtype"])
    if isinstance(value, dict):
        return {k: deserialize_value(v) for k, v in value.items()}
    return value


def global_safe_mode():
    """The safe mode set by the loading code in progress (None when none is active)."""
    return in_safe_mode()


def argument_names(fn):
    """The parameter names of fn, or () when Python cannot tell (e.g. some NumPy ufuncs)."""
    try:
        return tuple(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return ()


class Lambda(Layer):
    """Wraps a NumPy function as a layer; `grad=` (a minikeras extension) lets it train.

    function: f(x, **arguments) -> y, on NumPy arrays
    output_shape: the output shape without the batch axis, or a function of the input shape
                  (None: found by calling `function` on ones of the input's shape, with unknown
                  sizes taken as 1; Keras traces the function symbolically instead)
    mask: the output mask, or a function (inputs, mask) -> mask; None drops the mask
    arguments: dict of keyword arguments for `function` (and `grad`)
    grad: df(dy, x, y, **arguments) -> dx, the vector-Jacobian product: dx = (dy/dx)^T dy
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, grad=None,
                 **kwargs):
        if not callable(function):
            raise TypeError("`function` must be callable (a NumPy function of the inputs). "
                            f"Received: function={function!r}")
        if grad is not None and not callable(grad):
            raise TypeError("`grad` must be a function (dy, x, y, **arguments) -> dx. "
                            f"Received: grad={grad!r}")
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError("`arguments` must be a dict of keyword arguments for `function`. "
                            f"Received: arguments={arguments!r}")
        super().__init__(**kwargs)
        self.function = function
        self.grad = grad
        self.arguments = arguments or {}
        self.mask = mask
        self.supports_masking = mask is not None
        self._output_shape = output_shape
        names = argument_names(function)
        self._fn_expects_training_arg = "training" in names
        self._fn_expects_mask_arg = "mask" in names
        self.accepts_mask = self._fn_expects_mask_arg

    def forward(self, x, training=False, mask=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        y = np.asarray(self.function(x, **kwargs))
        self._cache = (x, y)
        return y

    def backward(self, dy):
        if self.grad is None:
            raise ValueError(
                f"Layer {self.name!r} (Lambda) cannot pass gradients back: minikeras has no "
                "automatic differentiation, so a Lambda below trainable layers needs its "
                "derivative. Pass `grad=` (a function (dy, x, y, **arguments) -> dx), e.g. "
                "Lambda(lambda x: x ** 2, grad=lambda dy, x, y: 2 * x * dy)."
            )
        x, y = self._cache
        dx = np.asarray(self.grad(dy, x, y, **self.arguments))
        if dx.shape != x.shape:
            raise ValueError(f"Layer {self.name!r} (Lambda): `grad` returned an array of shape "
                             f"{dx.shape}, but dx must have the input's shape {x.shape}.")
        return dx.astype(x.dtype, copy=False)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        if self._output_shape is not None:
            return (input_shape[0], *tuple(self._output_shape))
        if is_elementwise(self.function):  # known without a call (none during a safe load)
            return input_shape
        probe = np.ones([1 if d is None else d for d in input_shape], dtype=self.dtype)
        try:
            with np.errstate(all="ignore"):
                out = np.shape(self.forward(probe, training=False))
        except Exception:
            raise NotImplementedError(
                "We could not automatically infer the shape of the Lambda's output. Please "
                "specify the `output_shape` argument for this Lambda layer.") from None
        return (input_shape[0], *out[1:]) if out else out

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self):
        """Keras's keys (function, output_shape, mask, arguments); "grad" only when given."""
        config = {"function": serialize_function(self.function)}
        if self._output_shape is not None:
            config["output_shape"] = (serialize_function(self._output_shape)
                                      if callable(self._output_shape) else self._output_shape)
        if self.mask is not None:
            config["mask"] = (serialize_function(self.mask) if callable(self.mask)
                              else serialize_value(self.mask))
        config["arguments"] = serialize_value(self.arguments)
        if self.grad is not None:
            config["grad"] = serialize_function(self.grad)
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Rebuild from `get_config`; stored lambdas run only with safe_mode=False."""
        if safe_mode is None:
            safe_mode = global_safe_mode()
        safe_mode = safe_mode is not False
        config = dict(config)
        for key in ("function", "grad"):
            if key in config:
                config[key] = deserialize_function(config[key], key, custom_objects, safe_mode)
        if "output_shape" in config:
            shape = config["output_shape"]
            if isinstance(shape, dict):
                config["output_shape"] = deserialize_function(shape, "output_shape",
                                                              custom_objects, safe_mode)
            elif isinstance(shape, list) and all(isinstance(e, (int, type(None))) for e in shape):
                config["output_shape"] = tuple(shape)
        if "mask" in config:
            mask = config["mask"]
            if isinstance(mask, dict) and mask.get("class_name") != "__numpy__":
                config["mask"] = deserialize_function(mask, "mask", custom_objects, safe_mode)
            else:
                config["mask"] = deserialize_value(mask)
        if "arguments" in config:
            config["arguments"] = deserialize_value(config["arguments"])
        if safe_mode and config.get("arguments") and is_elementwise(config.get("function")):
            # a file may name np.tanh, but not steer it (out=, where=, dtype= ...)
            raise ValueError(
                "Refusing Lambda `arguments` for a NumPy function named in a file in safe "
                f"mode. Received: arguments={config['arguments']!r}; pass `safe_mode=False` "
                "if you trust the file.")
        return cls(**config)
