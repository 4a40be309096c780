"""A student's own NumPy Dense layer, LSTM layer and Adam step, as a course asks for them.

Weights arrive in Keras's get_weights() order: Dense [kernel (in, units), bias (units,)];
LSTM [kernel (in, 4u), recurrent_kernel (u, 4u), bias (4u,)] with the gate blocks i, f, c, o.
examples/check_my_numpy.py compares them with real Keras (parity.check_layer / check_optimizer).
"""

import numpy as np


# ---- Dense(units, activation="tanh") -------------------------------------------------------
def dense_forward(x, weights):
    """y = tanh(x @ kernel + bias).  x (batch, in), y (batch, units)."""
    kernel, bias = weights
    return np.tanh(x @ kernel + bias)


def dense_backward(dy, x, weights):
    """dz = dy * (1 - y^2);  dx = dz @ kernel.T,  dkernel = x.T @ dz,  dbias = sum_batch dz."""
    kernel, _ = weights
    y = dense_forward(x, weights)
    dz = dy * (1 - y * y)
    return dz @ kernel.T, [x.T @ dz, dz.sum(axis=0)]


# ---- LSTM(units), returning the last h ------------------------------------------------------
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def split_gates(z, order):
    """The four gate blocks of z's last axis, returned as (i, f, c, o); `order` names the blocks
    as they lie in z (Keras: "ifco")."""
    blocks = dict(zip(order, np.split(z, 4, axis=-1), strict=True))
    return blocks["i"], blocks["f"], blocks["c"], blocks["o"]


def lstm_steps(x, weights, order="ifco"):
    """Run the cell over time; return the last h and what backward needs at each step.

    i = sigmoid(z_i), f = sigmoid(z_f), g = tanh(z_c), o = sigmoid(z_o),
    z = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias
    c_t = f * c_{t-1} + i * g,  h_t = o * tanh(c_t)
    """
    kernel, recurrent_kernel, bias = weights
    batch, steps, _ = x.shape
    units = recurrent_kernel.shape[0]
    h = np.zeros((batch, units), x.dtype)
    c = np.zeros((batch, units), x.dtype)
    cache = []
    for t in range(steps):
        z = x[:, t] @ kernel + h @ recurrent_kernel + bias
        zi, zf, zc, zo = split_gates(z, order)
        i, f, g, o = sigmoid(zi), sigmoid(zf), np.tanh(zc), sigmoid(zo)
        cache.append((h, c, i, f, g, o))
        c = f * c + i * g
        h = o * np.tanh(c)
    return h, c, cache


def lstm_forward(x, weights, order="ifco"):
    """x (batch, T, in) -> the last h (batch, units)."""
    return lstm_steps(x, weights, order)[0]


def lstm_backward(dy, x, weights, order="ifco"):
    """Backprop through time.  dy = dLoss/dh_T (batch, units).

    dc_t += dh_t * o * (1 - tanh(c_t)^2);  dz_i = dc_t * g * i (1 - i);  dz_f = dc_t * c_{t-1}
    * f (1 - f);  dz_c = dc_t * i * (1 - g^2);  dz_o = dh_t * tanh(c_t) * o (1 - o);
    dh_{t-1} = dz @ recurrent_kernel.T;  dc_{t-1} = dc_t * f.
    """
    kernel, recurrent_kernel, bias = weights
    _, c_last, cache = lstm_steps(x, weights, order)
    dx = np.zeros_like(x)
    dkernel, drecurrent, dbias = (np.zeros_like(w) for w in weights)
    dh, dc, c = dy, np.zeros_like(dy), c_last
    for t in reversed(range(x.shape[1])):
        h_prev, c_prev, i, f, g, o = cache[t]
        tanh_c = np.tanh(c)
        dc = dc + dh * o * (1 - tanh_c * tanh_c)
        dzi, dzf = dc * g * i * (1 - i), dc * c_prev * f * (1 - f)
        dzc, dzo = dc * i * (1 - g * g), dh * tanh_c * o * (1 - o)
        blocks = {"i": dzi, "f": dzf, "c": dzc, "o": dzo}
        dz = np.concatenate([blocks[gate] for gate in order], axis=-1)
        dx[:, t] = dz @ kernel.T
        dkernel += x[:, t].T @ dz
        drecurrent += h_prev.T @ dz
        dbias += dz.sum(axis=0)
        dh, dc, c = dz @ recurrent_kernel.T, dc * f, c_prev
    return dx, [dkernel, drecurrent, dbias]


# ---- Adam, in Keras's form ------------------------------------------------------------------
def adam_update(weights, grads, state, iteration, learning_rate=0.001, beta_1=0.9,
                beta_2=0.999, epsilon=1e-7):
    """m = beta_1 m + (1 - beta_1) g;  v = beta_2 v + (1 - beta_2) g^2;
    w -= alpha m / (sqrt(v) + epsilon),  alpha = lr sqrt(1 - beta_2^t) / (1 - beta_1^t).

    (Keras folds both bias corrections into alpha, so its epsilon is added to the uncorrected
    sqrt(v); the textbook m_hat / (sqrt(v_hat) + epsilon) differs where v is small.)
    """
    m = state.setdefault("m", [np.zeros_like(w) for w in weights])
    v = state.setdefault("v", [np.zeros_like(w) for w in weights])
    dtype = weights[0].dtype.type
    alpha = dtype(learning_rate * np.sqrt(1 - beta_2 ** iteration) / (1 - beta_1 ** iteration))
    new = []
    for k, (w, g) in enumerate(zip(weights, grads, strict=True)):
        m[k] = m[k] + (g - m[k]) * dtype(1 - beta_1)
        v[k] = v[k] + (g * g - v[k]) * dtype(1 - beta_2)
        new.append(w - m[k] * alpha / (np.sqrt(v[k]) + dtype(epsilon)))
    return new, state
