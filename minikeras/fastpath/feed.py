"""After a compiled epoch: feed the loss tracker and the metrics what the plain loop's steps
would have given them, batch by batch, from the epoch's per-sample losses and logits."""

import numpy as np

from .. import activations, kernels
from ..kernels import codes
from ..metrics import accuracy_metrics
from ..metrics.reduction_metrics import Mean, MeanMetricWrapper

# the last Dense layer's activations whose layer kernel gives the bits of the epoch kernels'
# own loop (kernels.activations.activate_into); tanh only in float32 (float64: NumPy's tanh
# in the layer, libm's in the loop)
SAME_BITS_IN_LOOP = (codes.LINEAR, codes.RELU, codes.SIGMOID)

# metrics whose per-sample values are exactly 0 or 1: one update per epoch sums the same
ZERO_ONE = (accuracy_metrics.categorical_accuracy, accuracy_metrics.sparse_categorical_accuracy)


def activate_logits(layer, logits):
    """The model's output from the last Dense layer's logits (n, units): `layer.activation`,
    run by the loop the epoch kernels apply it with where that gives the same bits, since
    that loop is compiled already (a first run of the Pima tutorial: ~0.2-0.4 s less than
    compiling the layer's sigmoid kernel too)."""
    code = activations.kernel_code(layer.activation)
    if code in SAME_BITS_IN_LOOP or (code == codes.TANH and logits.dtype == np.float32):
        out = np.empty_like(logits)
        kernels.activations.activate_into(logits, out, code)
        return out
    return layer.activation(logits)


def feed_loss_and_metrics(model, last, batch_size, logits, values, y):
    """Update model's loss tracker and metrics as train_step / test_step would, batch by batch.

    values (n,): per-sample losses; logits (n, units): the last Dense layer's z, whose
    activation is the model's output; y (n, ...): the targets in the rows' order.
    """
    n, dtype = logits.shape[0], logits.dtype
    full = n // batch_size * batch_size  # row sums of the reshape = np.sum of each batch
    sums = values[:full].reshape(-1, batch_size).sum(axis=1)
    sizes = [batch_size] * (full // batch_size)
    if full < n:
        sums, sizes = np.append(sums, np.sum(values[full:])), sizes + [n - full]
    means = (sums / np.asarray(sizes).astype(dtype)).astype(dtype)  # each step's loss
    tracker = model.loss_tracker
    if type(tracker) is Mean:
        tracker.update_state_batches(means, sizes)
    else:
        for mean, size in zip(means, sizes, strict=True):
            tracker.update_state(float(mean), sample_weight=size)
    if not model.compiled_metrics:
        return
    y_pred = activate_logits(last, logits)
    for metric in model.compiled_metrics:
        fn = metric.fn if isinstance(metric, MeanMetricWrapper) else None
        zero_one = fn in ZERO_ONE or (
            fn is accuracy_metrics.binary_accuracy and y_pred.shape[1] == 1)
        if zero_one and n < 2 ** 24:
            metric.update_state(y, y_pred)
            continue
        for start in range(0, n, batch_size):
            stop = start + batch_size
            metric.update_state(y[start:stop], y_pred[start:stop])
