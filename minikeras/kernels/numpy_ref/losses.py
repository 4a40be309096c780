"""Loss math per row: each function returns the per-row loss and its local gradient.

Every kernel sees 2-D arrays whose last axis is the one the loss reduces over
(`minikeras/losses/common.py` moves the axis there and flattens the rest into rows):

    y_true, y_pred, dloss_dy_pred: (rows, k)     loss: (rows,)     labels: (rows,) int64

The second output is d loss[r] / d y_pred[r, j] (a row's loss depends on its own row only), so
inside these kernels `dp`, `dq`, `dz` are derivatives of the ROW loss; `minikeras/losses/`
multiplies them by dLoss/dloss[r], which holds the reduction and the sample weights.
Clipping follows Keras with the TensorFlow backend: p -> clip(p, eps, 1 - eps), and the gradient
passes where eps <= p <= 1 - eps (both ends included, as TF's clip_by_value) and is 0 elsewhere.
Kinks take TensorFlow's subgradients: maximum(x, y) sends the gradient to x on ties, a max over
an axis splits it evenly among tied entries, |x| has slope sign(x) (0 at 0).

Crossentropies first, then the regression, hinge, KL/Poisson and focal losses.
"""

import numpy as np

__all__ = [
    "binary_crossentropy_value_and_grad",
    "categorical_crossentropy_value_and_grad",
    "sparse_categorical_crossentropy_value_and_grad",
    "mean_squared_error_value_and_grad",
    "mean_absolute_error_value_and_grad",
    "mean_absolute_percentage_error_value_and_grad",
    "mean_squared_logarithmic_error_value_and_grad",
    "huber_value_and_grad",
    "log_cosh_value_and_grad",
    "cosine_similarity_value_and_grad",
    "hinge_value_and_grad",
    "squared_hinge_value_and_grad",
    "categorical_hinge_value_and_grad",
    "kl_divergence_value_and_grad",
    "poisson_value_and_grad",
    "binary_focal_crossentropy_value_and_grad",
    "categorical_focal_crossentropy_value_and_grad",
]

# log(2) as Keras's TensorFlow backend holds it: ops.log(2.0) is computed in float32 even when
# floatx is float64, so log_cosh carries this constant (off from log(2) by 1.9e-9) in both dtypes.
# Keras on JAX (x64) holds log(2) exact in float64; the kernel takes it as an argument, `log2`
# (losses/regression.py passes config.backend_float(log(2), dtype)).
LOG2_FLOAT32 = float(np.float32(np.log(2.0)))


def _clip(p, epsilon):
    """Return clip(p, eps, 1 - eps) and the mask where the clip lets the gradient through."""
    low, high = epsilon, 1.0 - epsilon
    return np.clip(p, low, high), (p >= low) & (p <= high)


def binary_crossentropy_value_and_grad(y_true, y_pred, epsilon, from_logits, tie=1.0):
    """Mean binary crossentropy of each row.

    Probabilities:  p = clip(y_pred, eps, 1 - eps)
                    loss = mean_j -(t log p + (1 - t) log(1 - p))
                    dloss/dy_pred = w * ((1 - t) / (1 - p) - t / p) / k
                    w = 1 strictly inside [eps, 1 - eps], 0 outside, `tie` on a bound:
                    TensorFlow's clip_by_value passes the whole gradient there (tie=1); JAX's
                    jnp.clip is maximum-then-minimum, whose gradient splits a tie evenly (0.5)
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
    on_bound = (y_pred == y_pred.dtype.type(epsilon)) | (y_pred == y_pred.dtype.type(1 - epsilon))
    weight = np.where(on_bound, y_pred.dtype.type(tie), mask.astype(y_pred.dtype))
    elementwise = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    dp = ((1 - t) / (1 - p) - t / p) * weight
    return np.mean(elementwise, axis=-1), dp / k


def categorical_crossentropy_value_and_grad(y_true, y_pred, epsilon, from_logits, tie=1.0):
    """Crossentropy of each row against a distribution of labels.

    Probabilities (Keras renormalizes before clipping):
                    s = sum_j y_pred_j,   q = y_pred / s,   qc = clip(q, eps, 1 - eps)
                    loss = -sum_j t_j log qc_j
                    dq = -w * t / qc;  dloss/dy_pred = (dq - sum_j dq_j q_j) / s
                    w = 1 strictly inside [eps, 1 - eps], 0 outside, `tie` on a bound (as in
                    binary_crossentropy_value_and_grad: TensorFlow 1, JAX 0.5)
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
    on_bound = (q == q.dtype.type(epsilon)) | (q == q.dtype.type(1 - epsilon))
    weight = np.where(on_bound, q.dtype.type(tie), mask.astype(q.dtype))
    loss = -np.sum(t * np.log(qc), axis=-1)
    dq = -t / qc * weight
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


def _power_and_slope(x, gamma):
    """Return x ** gamma and its derivative gamma * x ** (gamma - 1) (0 when gamma == 0).

    TensorFlow's Pow gradient gives 0 * inf = nan at x = 0 when gamma == 0; a constant factor
    has slope 0, so minikeras returns 0 there.
    """
    if gamma == 0:
        return np.ones_like(x), np.zeros_like(x)
    return np.power(x, gamma), gamma * np.power(x, gamma - 1)


def mean_absolute_percentage_error_value_and_grad(y_true, y_pred, epsilon):
    """Mean absolute percentage error of each row (Keras guards the division with epsilon).

    d = max(|t|, eps)     r = (t - p) / d
    loss = 100 * mean_j |r_j|           dloss/dp = -100 * sign(r) / d / k   (0 where t == p)
    """
    d = np.maximum(np.abs(y_true), epsilon)
    ratio = (y_true - y_pred) / d
    return 100 * np.mean(np.abs(ratio), axis=-1), -100 * np.sign(ratio) / d / y_pred.shape[-1]


def mean_squared_logarithmic_error_value_and_grad(y_true, y_pred, epsilon):
    """Mean squared difference of log(1 + x) of each row; inputs below eps count as eps.

    a = log(max(p, eps) + 1)    b = log(max(t, eps) + 1)
    loss = mean_j (a - b)^2     dloss/dp = [p >= eps] * 2 (a - b) / (max(p, eps) + 1) / k
    """
    pm = np.maximum(y_pred, epsilon)
    diff = np.log(pm + 1) - np.log(np.maximum(y_true, epsilon) + 1)
    grad = 2 * diff / (pm + 1) * (y_pred >= epsilon) / y_pred.shape[-1]
    return np.mean(np.square(diff), axis=-1), grad


def huber_value_and_grad(y_true, y_pred, delta):
    """Huber loss of each row: quadratic for errors up to delta, linear beyond.

    e = p - t
    loss = mean_j (0.5 e^2 if |e| <= delta else delta |e| - 0.5 delta^2)
    dloss/dp = (e if |e| <= delta else delta sign(e)) / k
    """
    error = y_pred - y_true
    abs_error = np.abs(error)
    quadratic = abs_error <= delta
    loss = np.where(quadratic, 0.5 * np.square(error), delta * abs_error - 0.5 * delta**2)
    grad = np.where(quadratic, error, delta * np.sign(error)) / y_pred.shape[-1]
    return np.mean(loss, axis=-1), grad


def _softplus(x):
    """log(1 + exp(x)) without overflow."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _sigmoid(x):
    """1 / (1 + exp(-x)) without overflow."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def log_cosh_value_and_grad(y_true, y_pred, log2):
    """Mean log(cosh(p - t)) of each row, in Keras's overflow-free form.

    x = p - t
    loss = mean_j x + softplus(-2x) - log2         (log2: log(2) as the backend holds it, a
                                                    Python float; TF: LOG2_FLOAT32)
    dloss/dp = (1 - 2 sigmoid(-2x)) / k            (= tanh(x) / k)
    """
    x = y_pred - y_true
    loss = np.mean(x + _softplus(x * -2.0) - y_pred.dtype.type(log2), axis=-1)
    return loss, (1 - 2 * _sigmoid(x * -2.0)) / y_pred.shape[-1]


def cosine_similarity_value_and_grad(y_true, y_pred, epsilon):
    """Negative cosine similarity of each row, with Keras's capped L2 normalization.

    r(x) = min(1 / sqrt(sum_j x_j^2), 1 / eps)        (a zero row stays zero)
    tn = t r(t)      loss = -sum_j tn_j p_j r(p)
    dloss/dp = -tn r(p) + [1/sqrt(sum p^2) <= 1/eps] r(p)^3 p sum_j tn_j p_j
    """
    cap = 1.0 / epsilon
    with np.errstate(divide="ignore"):
        rt = np.minimum(1 / np.sqrt(np.sum(np.square(y_true), axis=-1, keepdims=True)), cap)
        rsqrt = 1 / np.sqrt(np.sum(np.square(y_pred), axis=-1, keepdims=True))
    rp = np.minimum(rsqrt, cap)
    tn = y_true * rt
    loss = -np.sum(tn * (y_pred * rp), axis=-1)
    dot = np.sum(tn * y_pred, axis=-1, keepdims=True)
    grad = -tn * rp + (rsqrt <= cap) * (rp * rp * rp * y_pred) * dot
    return loss, grad


def hinge_value_and_grad(y_true, y_pred):
    """Mean hinge loss of each row; labels t are -1 or 1.

    loss = mean_j max(1 - t p, 0)       dloss/dp = -t [1 - t p >= 0] / k
    """
    margin = 1 - y_true * y_pred
    grad = -y_true * (margin >= 0) / y_pred.shape[-1]
    return np.mean(np.maximum(margin, 0), axis=-1), grad


def squared_hinge_value_and_grad(y_true, y_pred):
    """Mean squared hinge loss of each row; labels t are -1 or 1.

    loss = mean_j max(1 - t p, 0)^2     dloss/dp = -2 t max(1 - t p, 0) / k
    """
    hinge = np.maximum(1 - y_true * y_pred, 0)
    return np.mean(np.square(hinge), axis=-1), -2 * y_true * hinge / y_pred.shape[-1]


def categorical_hinge_value_and_grad(y_true, y_pred):
    """Categorical hinge loss of each row: the best wrong score against the true score.

    pos = sum_j t_j p_j     v = (1 - t) p     neg = max_j v_j
    loss = max(neg - pos + 1, 0)
    dloss/dp = [neg - pos + 1 >= 0] ((1 - t) [v == neg] / count(v == neg) - t)
    (TensorFlow splits the gradient of a max evenly among ties.)
    """
    pos = np.sum(y_true * y_pred, axis=-1)
    v = (1 - y_true) * y_pred
    neg = np.max(v, axis=-1)
    margin = neg - pos + 1
    ties = v == neg[:, None]
    dneg = (1 - y_true) * ties / np.sum(ties, axis=-1, keepdims=True, dtype=y_pred.dtype)
    return np.maximum(margin, 0), (dneg - y_true) * (margin >= 0)[:, None]


def kl_divergence_value_and_grad(y_true, y_pred, epsilon):
    """Kullback-Leibler divergence of each row, both inputs clipped to [eps, 1].

    tc = clip(t, eps, 1)    pc = clip(p, eps, 1)
    loss = sum_j tc log(tc / pc)        dloss/dp = -[eps <= p <= 1] tc / pc
    """
    tc = np.clip(y_true, epsilon, 1)
    pc = np.clip(y_pred, epsilon, 1)
    inside = (y_pred >= epsilon) & (y_pred <= 1)
    return np.sum(tc * np.log(tc / pc), axis=-1), -tc / pc * inside


def poisson_value_and_grad(y_true, y_pred, epsilon):
    """Mean Poisson negative log-likelihood of each row (without the log(t!) term).

    loss = mean_j p - t log(p + eps)    dloss/dp = (1 - t / (p + eps)) / k
    """
    loss = np.mean(y_pred - y_true * np.log(y_pred + epsilon), axis=-1)
    return loss, (1 - y_true / (y_pred + epsilon)) / y_pred.shape[-1]


def binary_focal_crossentropy_value_and_grad(y_true, y_pred, apply_class_balancing, alpha,
                                             gamma, epsilon, from_logits):
    """Mean binary focal crossentropy of each row: crossentropy scaled down on easy entries.

    p = y_pred (probabilities) or sigmoid(z) (logits z)
    bce = -(t log pc + (1 - t) log(1 - pc)), pc = clip(p, eps, 1 - eps); for logits the
          stable form max(z, 0) - z t + log1p(exp(-|z|)) (Keras on TensorFlow uses it too)
    p_t = t p + (1 - t)(1 - p)      focal = (1 - p_t)^gamma
    w = t alpha + (1 - t)(1 - alpha) if apply_class_balancing else 1
    loss = mean_j w focal bce
    dloss/dy_pred = w (dfocal/dp dp/dy_pred bce + focal dbce/dy_pred) / k
        dfocal/dp = -(2t - 1) gamma (1 - p_t)^(gamma - 1);  dp/dz = p (1 - p)
        dbce/dz = sigmoid(z) - t;  dbce/dp = [eps <= p <= 1 - eps] ((1 - t)/(1 - pc) - t/pc)
    """
    t, k = y_true, y_pred.shape[-1]
    if from_logits:
        z = y_pred
        e = np.exp(-np.abs(z))
        p = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
        bce = np.maximum(z, 0) - z * t + np.log1p(e)
        dbce = p - t
        dp = p * (1 - p)
    else:
        p = y_pred
        pc, mask = _clip(p, epsilon)
        bce = -(t * np.log(pc) + (1 - t) * np.log(1 - pc))
        dbce = ((1 - t) / (1 - pc) - t / pc) * mask
        dp = 1
    p_t = t * p + (1 - t) * (1 - p)
    focal, slope = _power_and_slope(1 - p_t, gamma)
    weight = t * alpha + (1 - t) * (1 - alpha) if apply_class_balancing else 1
    loss = np.mean(weight * focal * bce, axis=-1)
    grad = weight * (-(2 * t - 1) * slope * dp * bce + focal * dbce) / k
    return loss, grad


def categorical_focal_crossentropy_value_and_grad(y_true, y_pred, alpha, gamma, epsilon,
                                                  from_logits):
    """Categorical focal crossentropy of each row; alpha has y_pred's shape (rows, k).

    p = y_pred (probabilities) or softmax(z) (logits z)
    s = sum_j p_j    q = p / s    qc = clip(q, eps, 1 - eps)
    loss = sum_j alpha_j (1 - qc_j)^gamma (-t_j log qc_j)
    dqc = alpha (-gamma (1 - qc)^(gamma - 1) (-t log qc) - (1 - qc)^gamma t / qc)
    dq = [eps <= q <= 1 - eps] dqc      dp = (dq - sum_j dq_j q_j) / s
    logits: dz = p (dp - sum_j dp_j p_j)
    """
    t = y_true
    if from_logits:
        ez = np.exp(y_pred - np.max(y_pred, axis=-1, keepdims=True))
        p = ez / np.sum(ez, axis=-1, keepdims=True)
    else:
        p = y_pred
    s = np.sum(p, axis=-1, keepdims=True)
    q = p / s
    qc, mask = _clip(q, epsilon)
    cce = -t * np.log(qc)
    modulating, slope = _power_and_slope(1 - qc, gamma)
    loss = np.sum(modulating * alpha * cce, axis=-1)
    dq = alpha * (-slope * cce - modulating * t / qc) * mask
    dp = (dq - np.sum(dq * q, axis=-1, keepdims=True)) / s
    if from_logits:
        return loss, p * (dp - np.sum(dp * p, axis=-1, keepdims=True))
    return loss, dp
