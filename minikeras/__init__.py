"""minikeras: Keras 3's Sequential API rebuilt from scratch in NumPy and numba.

Use it as you would `keras`:

    from minikeras import Sequential
    from minikeras.layers import Dense
"""

from . import (  # noqa: F401
    activations,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    initializers,
    kernels,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    preprocessing,
    regularizers,
    saving,
    utils,
)
from .layers import Input, InputLayer, Layer
from .models import Sequential
from .variable import Variable

kernels.memory.freeze_imported_objects()  # the collector skips what the import made (memory.py)

__version__ = "0.1.0"
__all__ = ["Input", "InputLayer", "Layer", "Sequential", "Variable"]
