"""TerminateOnNaN: stop `fit` at the first batch whose running loss is NaN or infinite.

After each training batch: if logs["loss"] is NaN or +-inf, either raise RuntimeError
(raise_error=True) or print "Batch {batch}: Invalid loss, terminating training" and set
`model.stop_training`, as Keras 3's.
"""

import numpy as np

from ..utils.progbar import print_msg
from .callback import Callback


class TerminateOnNaN(Callback):
    """Stops training (or raises, with raise_error=True) when the loss becomes NaN or inf."""

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or np.isfinite(loss):
            return
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: "
                               f"{loss}. Terminating training immediately.")
        print_msg(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
