"""When an epoch runner may take over: what a model, its loss, optimizer, callbacks and data
must be for a whole epoch (or a whole evaluate/predict) to run in one compiled call.

Each question is asked of public state only, and answers either "yes" (with the codes the
kernels take, kernels/codes.py) or None: then `fit` runs its plain loop, unchanged.
"""

import numpy as np

from .. import activations, kernels, losses
from ..callbacks.callback import Callback
from ..callbacks.progbar_logger import ProgbarLogger
from ..kernels import codes
from ..layers.dense import Dense
from ..layers.dropout import Dropout
from ..layers.rnn.lstm import LSTM
from ..optimizers.adam import Adam
from ..optimizers.rmsprop import RMSprop
from ..optimizers.sgd import SGD

# the activations the fused Dense kernels compute with the per-layer kernels' expressions
DENSE_ACTIVATIONS = ("linear", "relu", "tanh", "sigmoid")
LOGITS_LOSSES = {
    losses.binary_crossentropy: (activations.sigmoid, codes.BINARY_CROSSENTROPY_LOGITS),
    losses.categorical_crossentropy: (activations.softmax, codes.CATEGORICAL_CROSSENTROPY_LOGITS),
    losses.sparse_categorical_crossentropy: (activations.softmax,
                                             codes.SPARSE_CATEGORICAL_CROSSENTROPY_LOGITS),
}
PLAIN_LOSSES = {losses.mean_squared_error: codes.MEAN_SQUARED_ERROR,
                losses.mean_absolute_error: codes.MEAN_ABSOLUTE_ERROR}


def compiled_kernels():
    """The runners are compiled code: on the NumPy reference path (MINIKERAS_KERNELS=numpy)
    the plain loop runs, so a reader can step through it (the runners' NumPy twins exist for
    the twin tests and for reading)."""
    return kernels.KERNELS == "numba"


# ---- callbacks ----------------------------------------------------------------------------------
def callbacks_skip_batches(callbacks, mode):
    """True when no callback needs to see single batches of `mode` ("train", "test" or
    "predict"). A ProgbarLogger is fine unless it draws a live bar (verbose=1 on a terminal),
    and in "test" mode inside fit (it prints nothing there)."""
    names = ("batch_begin", "batch_end")
    hooks = [f"on_{mode}_{n}" for n in names] + ([f"on_{n}" for n in names]
                                                 if mode == "train" else [])
    for cb in callbacks.callbacks:
        if isinstance(cb, ProgbarLogger) and (not cb.live or (mode == "test" and
                                                              cb.called_in_fit)):
            continue
        if any(getattr(type(cb), hook, None) is not getattr(Callback, hook, None)
               for hook in hooks):
            return False
    return True


# ---- layers --------------------------------------------------------------------------------
def penalty_free(layer):
    return (layer.kernel_regularizer is None and layer.bias_regularizer is None
            and layer.activity_regularizer is None)


def plain_dense(layer):
    """A trainable Dense with a bias and no regularizer or constraint."""
    return (type(layer) is Dense and layer.trainable and layer.use_bias and penalty_free(layer)
            and layer.kernel_constraint is None and layer.bias_constraint is None)


def plain_lstm(layer):
    """A built, trainable LSTM returning its last output only, with a bias and no dropout,
    state, regularizer or constraint."""
    return (type(layer) is LSTM and layer.built and layer.trainable and layer.use_bias
            and not (layer.return_sequences or layer.return_state or layer.go_backwards
                     or layer.stateful)
            and layer.dropout == 0 and layer.recurrent_dropout == 0
            and layer.injected_masks is None
            and all(getattr(layer, f"{w}_{kind}") is None
                    for w in ("kernel", "recurrent", "bias")
                    for kind in ("regularizer", "constraint"))
            and layer.activity_regularizer is None)


def inference_lstm(layer, x, evaluate):
    """An LSTM whose inference on x (batch, T, features) the LSTM epoch kernel computes as the
    layer would: built for x's features and dtype, T > 0, returning its last output only, with
    a bias, no state and no recurrent dropout (its per-gate input projection is not the
    kernel's). Inference allows more than training: any trainable flag, constraint or input
    dropout (masks of ones outside training); evaluate also needs no penalty to add."""
    return (type(layer) is LSTM and layer.built and layer.use_bias and x.shape[1] > 0
            and x.shape[2] == layer.kernel.shape[0]
            and not (layer.return_sequences or layer.return_state or layer.go_backwards
                     or layer.stateful)
            and layer.recurrent_dropout == 0
            and all(v.value.dtype == x.dtype
                    for v in (layer.kernel, layer.recurrent_kernel, layer.bias))
            and not (evaluate and (layer.recurrent_regularizer is not None
                                   or not penalty_free(layer))))


def dense_and_dropouts(layers):
    """(the Dense layers, {index of a Dense: the Dropout right after it}), or (None, None).

    A Dropout (0 < rate < 1, no noise_shape) may follow any Dense but the last."""
    dense, dropouts = [], {}
    for i, layer in enumerate(layers):
        if plain_dense(layer):
            dense.append(layer)
        elif (type(layer) is Dropout and 0 < layer.rate < 1 and layer.noise_shape is None
              and i + 1 < len(layers) and dense and len(dense) - 1 not in dropouts):
            dropouts[len(dense) - 1] = layer
        else:
            return None, None
    return (dense or None), dropouts


# ---- loss, activations, optimizer ---------------------------------------------------------------
def loss_and_activation_codes(model, dense, dtype):
    """(act_codes (L,) int64, loss_code) for the Dense layers `dense` under the model's loss,
    or None. The crossentropies run from the logits only where the plain loop does too
    (`model.logits_loss()`: Keras on TensorFlow's form)."""
    loss = model.loss
    if (not isinstance(loss, losses.LossFunctionWrapper) or loss.reduction != "sum_over_batch_size"
            or np.dtype(loss.dtype) != dtype):
        return None
    kwargs = loss.fn_kwargs
    if kwargs.pop("from_logits", False) or kwargs.pop("label_smoothing", 0.0) \
            or kwargs.pop("axis", -1) != -1 or kwargs.pop("ignore_class", None) is not None \
            or kwargs:
        return None
    hidden = [activations.kernel_code(layer.activation, DENSE_ACTIVATIONS)
              for layer in dense[:-1]]
    if None in hidden:
        return None
    last = dense[-1].activation
    if loss.fn in LOGITS_LOSSES:
        head, loss_code = LOGITS_LOSSES[loss.fn]
        if last is not head or model.logits_loss() is None:
            return None
        return np.array(hidden + [codes.LINEAR], dtype=np.int64), loss_code
    last_code = activations.kernel_code(last, DENSE_ACTIVATIONS)
    if loss.fn in PLAIN_LOSSES and last_code is not None:
        return np.array(hidden + [last_code], dtype=np.int64), PLAIN_LOSSES[loss.fn]
    return None


def any_fused_loss_code(model):
    """A loss code for an inference call that reads only the logits (predict): the model's
    own where the fused kernels have it, so that predict after fit runs fit's compiled kernel
    (the kernel is compiled per loss), else mean squared error. Its values are not used."""
    fn = getattr(model.loss, "fn", None) if model.compiled else None
    if fn in LOGITS_LOSSES:
        return LOGITS_LOSSES[fn][1]
    return PLAIN_LOSSES.get(fn, codes.MEAN_SQUARED_ERROR)


def inference_head(model, dense, x, y):
    """(act_codes,) for a predict call (y None), or (act_codes, loss_code, y2d, labels) for an
    evaluate call, of the Dense layers `dense` that end the model; or None.

    Inference needs less than training: the Dense layers need not be trainable, and predict
    applies the last layer's own activation (any) to the kernel's logits (its code: LINEAR).
    Evaluate also needs the loss codes (`head`) and no penalty to add."""
    if not dense or any(type(layer) is not Dense or not layer.use_bias for layer in dense):
        return None
    if any(v.value.dtype != x.dtype for layer in dense for v in (layer.kernel, layer.bias)):
        return None
    if y is not None:
        return head(model, dense, x, y) if all(map(penalty_free, dense)) else None
    hidden = [activations.kernel_code(layer.activation, DENSE_ACTIVATIONS)
              for layer in dense[:-1]]
    return None if None in hidden else (np.array(hidden + [codes.LINEAR], dtype=np.int64),)


def optimizer_code(opt):
    """The code of an optimizer the fused updates compute (constant learning rate; no
    clipping, weight decay, EMA, loss scaling or accumulation), or None."""
    if (opt.clipnorm or opt.clipvalue or opt.global_clipnorm or opt.weight_decay
            or opt.use_ema or opt.loss_scale_factor is not None
            or opt.gradient_accumulation_steps or not opt.has_constant_learning_rate):
        return None
    if type(opt) is SGD:
        return codes.SGD
    if type(opt) is Adam and not opt.amsgrad:
        return codes.ADAM
    if type(opt) is RMSprop and not opt.centered and not opt.momentum:
        return codes.RMSPROP
    return None


def targets(y, loss_code, units, dtype):
    """(y2d (n, units) float, labels (n,) int64) as the loss sees them, or None (then the
    plain loop runs, and raises the error a bad target deserves)."""
    n = y.shape[0]
    if loss_code == codes.SPARSE_CATEGORICAL_CROSSENTROPY_LOGITS:
        flat = y.reshape(n, -1)
        if flat.shape[1] != 1 or (y.ndim > 1 and y.shape[-1] != 1):
            return None
        labels = flat[:, 0].astype(np.int64)
        if labels.size and (labels.min() < 0 or labels.max() >= units
                            or np.any(labels != flat[:, 0])):
            return None
        return np.zeros((n, 1), dtype=dtype), labels
    if y.dtype != dtype or not (y.shape == (n, units) or (units == 1 and y.shape == (n,))):
        return None
    return np.ascontiguousarray(y.reshape(n, units)), np.zeros(n, dtype=np.int64)


def head(model, dense, x, y):
    """(act_codes, loss_code, y2d, labels) for the Dense layers `dense` ending the model, the
    loss and the targets y, or None: loss_and_activation_codes, then targets."""
    found = loss_and_activation_codes(model, dense, x.dtype)
    if found is None:
        return None
    y2d_labels = targets(y, found[1], dense[-1].units, x.dtype)
    return None if y2d_labels is None else (*found, *y2d_labels)


def inference_allows_runner(model, x, ndim, callbacks, y, sample_weight):
    """What every inference runner needs of an evaluate (y given) or predict call: compiled
    kernels, minikeras's own test / predict step, a non-empty x of `ndim` dimensions, no
    sample weights and no batch-level callback."""
    mode = "predict" if y is None else "test"
    return (compiled_kernels() and model.runs_default_steps(mode) and x.ndim == ndim
            and x.shape[0] > 0 and sample_weight is None
            and callbacks_skip_batches(callbacks, mode))


def fit_allows_runner(model, x, sample_weight, shuffle, callbacks):
    """What every epoch runner needs of the fit call: compiled kernels, minikeras's own
    train_step, no sample weights, shuffle True or False, one dtype, a trainable model whose
    optimizer (if built) knows its weights, and no batch-level callback."""
    if not compiled_kernels() or not model.runs_default_steps("train"):
        return False
    if sample_weight is not None or shuffle not in (True, False) or not model.trainable:
        return False
    if any(v.value.dtype != x.dtype for v in model.trainable_weights):
        return False
    if model.optimizer.built and not model.optimizer.tracks(model.trainable_weights):
        return False
    return optimizer_code(model.optimizer) is not None and \
        callbacks_skip_batches(callbacks, "train")
