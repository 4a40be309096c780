"""The one table of integer codes the compiled kernels take instead of Python objects.

numba cannot take a Python function or class as a cheap argument, so the kernels that run a
whole time loop or a whole epoch receive small integers for "which activation", "which loss"
and "which optimizer". Every compiled kernel, its NumPy twin and every caller use the codes
below and nothing else; `activation_code(fn)` and friends turn the library's objects into
them (with a clear error where a kernel lacks one).

Activations (the recurrent time loops and the fused Dense epochs; each derivative can be
written with the output y alone, which is what the loops cache):
    LINEAR 0, TANH 1, SIGMOID 2, RELU 3, HARD_SIGMOID 4
Losses of the fused epochs (Keras's defaults: mean over the batch, axis -1, no smoothing):
    NO_LOSS -1 (inference), BINARY_CROSSENTROPY_LOGITS 0, CATEGORICAL_CROSSENTROPY_LOGITS 1,
    SPARSE_CATEGORICAL_CROSSENTROPY_LOGITS 2 (those three from the last layer's logits, as
    Keras on TensorFlow computes them after a sigmoid/softmax), MEAN_SQUARED_ERROR 3,
    MEAN_ABSOLUTE_ERROR 4
Optimizers of the fused epochs:
    SGD 0 (hyper = lr, momentum, nesterov), ADAM 1 (hyper = beta_1, beta_2, epsilon; the step
    size alpha of each step comes separately), RMSPROP 2 (hyper = lr, rho, epsilon)
"""

LINEAR, TANH, SIGMOID, RELU, HARD_SIGMOID = 0, 1, 2, 3, 4
ACTIVATIONS = {"linear": LINEAR, "tanh": TANH, "sigmoid": SIGMOID, "relu": RELU,
               "hard_sigmoid": HARD_SIGMOID}

NO_LOSS = -1
BINARY_CROSSENTROPY_LOGITS = 0
CATEGORICAL_CROSSENTROPY_LOGITS = 1
SPARSE_CATEGORICAL_CROSSENTROPY_LOGITS = 2
MEAN_SQUARED_ERROR = 3
MEAN_ABSOLUTE_ERROR = 4
LOGITS_LOSSES = (BINARY_CROSSENTROPY_LOGITS, CATEGORICAL_CROSSENTROPY_LOGITS,
                 SPARSE_CATEGORICAL_CROSSENTROPY_LOGITS)

SGD, ADAM, RMSPROP = 0, 1, 2


# Where the library's own activation functions live: only those have codes. A function of
# the user's that happens to be named "relu" is not minikeras's relu, and the kernels must not
# run minikeras's in its place (found: a fused predict silently did).
LIBRARY_MODULE = "minikeras.activations"


def library_name(fn):
    """fn's name when fn is one of minikeras.activations' own functions, else None."""
    if getattr(fn, "__module__", None) != LIBRARY_MODULE:
        return None
    return getattr(fn, "__name__", None)


def activation_code(fn, argname="activation", allowed=None):
    """The code of activation function `fn`, one of the library's own (by its name).

    ValueError naming `argname` when it has none, or is not in `allowed` (a collection of
    names) where the caller's kernels implement fewer.
    """
    names = sorted(ACTIVATIONS if allowed is None else allowed)
    name = library_name(fn)
    if name not in names:
        raise ValueError(f"`{argname}` must be one of {names} in minikeras's compiled loops "
                         f"(minikeras's own functions); received {argname}="
                         f"{name or getattr(fn, '__name__', None) or fn!r}"
                         f"{'' if name else ' (not minikeras.activations)'}.")
    return ACTIVATIONS[name]


def activation_code_or_none(fn, allowed=None):
    """The code of `fn`, or None where the kernels have none, or fn is not the library's own
    function (the caller then runs the general path instead of raising)."""
    name = library_name(fn)
    if name not in ACTIVATIONS or (allowed is not None and name not in allowed):
        return None
    return ACTIVATIONS[name]
