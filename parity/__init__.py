"""parity: build the same model in real Keras, copy the weights, compare what both compute.

For your own code: check_layer (a forward and backward), check_loss (a loss and its gradient)
and check_optimizer (an update rule) compare any functions with Keras and return a Report.
"""

from .check_report import Report  # noqa: F401
from .core import compare_forward, compare_train_steps, to_keras  # noqa: F401
from .layer_check import check_layer, weight_layout  # noqa: F401
from .loss_check import check_loss  # noqa: F401
from .optimizer_check import check_optimizer  # noqa: F401
