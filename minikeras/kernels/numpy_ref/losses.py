"""Loss math per row: each function returns the per-row loss and its local gradient.

Every kernel sees 2-D arrays whose last axis is the one the loss reduces over
(`minikeras/losses.py` moves the axis there and flattens the rest into rows):

    y_true, y_pred, dloss_dy_pred: (rows, k)     loss: (rows,)     labels: (rows,) int64

The second output is d loss[r] / d y_pred[r, j] (a row's loss depends on its own row only), so
inside these kernels `dp`, `dq`, `dz` are derivatives of the ROW loss; `minikeras/losses.py`
multiplies them by dLoss/dloss[r], which holds the reduction and the sample weights.
Clipping follows Keras with the TensorFlow backend: p -> clip(p, eps, 1 - eps), and the gradient
passes where eps <= p <= 1 - eps (both ends included, as TF's clip_by_value) and is 0 elsewhere.
"""

import numpy as np

__all__ = [
    "binary_crossentropy_value_and_grad",
    "categorical_crossentropy_value_and_grad",
    "sparse_categorical_crossentropy_value_and_grad",
    "mean_squared_error_value_and_grad",
    "mean_absolute_error_value_and_grad",
]


def _clip(p, epsilon):
    """Return clip(p, eps, 1 - eps) and the mask where the clip lets the gradient through."""
    low, high = epsilon, 1.0 - epsilon
    return np.clip(p, low, high), (p >= low) & (p <= high)


def binary_crossentropy_value_and_grad(y_true, y_pred, epsilon, from_logits):
    """Mean binary crossentropy of each row.

    Probabilities:  p = clip(y_pred, eps, 1 - eps)
                    loss = mean_j -(t log p + (1 - t) log(1 - p))
                    dloss/dy_pred = mask * ((1 - t) / (1 - p) - t / p) / k
    Logits z (TF's sigmoid_cross_entropy_with_logits, stable for any z):
                    loss = mean_j max(z, 0) - z t + log1p(exp(-|z|))
                    dloss/dz = (sigmoid(z) - t) / k, sigmoid written as TF's gradient
                    computes it: 1 - e/(1 + e) for z >= 0, e/(1 + e) for z < 0, e = exp(-|z|)
    """
    t, k = y_true, y_pred.shape[-1]
    if from_logits:
        z = y_pred
        e = np.exp(-np.abs(z))
        elementwise = np.maximum(z, 0) - z * t + np.log1p(e)
        s = e / (1 + e)
        dz = np.where(z >= 0, 1 - s, s) - t
        return np.mean(elementwise, axis=-1), dz / k
    p, mask = _clip(y_pred, epsilon)
    elementwise = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    dp = ((1 - t) / (1 - p) - t / p) * mask
    return np.mean(elementwise, axis=-1), dp / k


def categorical_crossentropy_value_and_grad(y_true, y_pred, epsilon, from_logits):
    """Crossentropy of each row against a distribution of labels.

    Probabilities (Keras renormalizes before clipping):
                    s = sum_j y_pred_j,   q = y_pred / s,   qc = clip(q, eps, 1 - eps)
                    loss = -sum_j t_j log qc_j
                    dq = -mask * t / qc;  dloss/dy_pred = (dq - sum_j dq_j q_j) / s
    Logits z:       loss = sum_j t_j (log sum_i exp(z_i - m) - (z_j - m)),  m = max_j z_j
                    dloss/dz = softmax(z) * sum_j t_j - t
                    (TF's kernel returns softmax(z) - t; equal when each row of t sums to 1)
    """
    t = y_true
    if from_logits:
        shifted = y_pred - np.max(y_pred, axis=-1, keepdims=True)
        sumexp = np.sum(np.exp(shifted), axis=-1, keepdims=True)
        loss = np.sum(t * (np.log(sumexp) - shifted), axis=-1)
        softmax = np.exp(shifted) / sumexp
        return loss, softmax * np.sum(t, axis=-1, keepdims=True) - t
    s = np.sum(y_pred, axis=-1, keepdims=True)
    q = y_pred / s
    qc, mask = _clip(q, epsilon)
    loss = -np.sum(t * np.log(qc), axis=-1)
    dq = -t / qc * mask
    return loss, (dq - np.sum(dq * q, axis=-1, keepdims=True)) / s


def sparse_categorical_crossentropy_value_and_grad(labels, y_pred, epsilon, from_logits):
    """Crossentropy of each row against an integer class id (TF's formula).

    Logits z:       loss = log sum_i exp(z_i - m) - (z_y - m),   m = max_i z_i
                    dloss/dz = softmax(z) - onehot(y)
    Probabilities:  z = log(clip(y_pred, eps, 1 - eps)), then as above
                    (so the clipped row is renormalized: loss = log sum_i pc_i - log pc_y)
                    dloss/dy_pred = mask * (softmax(z) - onehot(y)) / pc
    """
    rows = np.arange(len(labels))
    if from_logits:
        z = y_pred
    else:
        pc, mask = _clip(y_pred, epsilon)
        z = np.log(pc)
    shifted = z - np.max(z, axis=-1, keepdims=True)
    sumexp = np.sum(np.exp(shifted), axis=-1, keepdims=True)
    loss = np.log(sumexp[:, 0]) - shifted[rows, labels]
    dz = np.exp(shifted) / sumexp
    dz[rows, labels] -= 1
    if from_logits:
        return loss, dz
    return loss, dz / pc * mask


def mean_squared_error_value_and_grad(y_true, y_pred):
    """Mean squared error of each row.

    loss = mean_j (t_j - p_j)^2        dloss/dp = -2 (t - p) / k
    """
    diff = y_true - y_pred
    return np.mean(np.square(diff), axis=-1), -2 * diff / y_pred.shape[-1]


def mean_absolute_error_value_and_grad(y_true, y_pred):
    """Mean absolute error of each row.

    loss = mean_j |t_j - p_j|          dloss/dp = -sign(t - p) / k   (0 where t == p, as TF)
    """
    diff = y_true - y_pred
    return np.mean(np.abs(diff), axis=-1), -np.sign(diff) / y_pred.shape[-1]
