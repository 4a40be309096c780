"""SimpleRNN and LSTM time loops: forward and backward through time, gate by gate.

The layer does the big matmul over all time steps before the loop (`xz = x @ kernel + bias`,
one BLAS call) and hands the loop only what depends on the previous step. Time runs along
axis 1 in the order the layer wants it processed (the layer reverses for `go_backwards`).

Shared arguments (batch = samples, T = time steps, u = units):
    xz               (batch, T, G*u)  input projections, G = 1 (SimpleRNN) or 4 (LSTM, i f c o)
    recurrent_kernel (u, G*u)
    mask             (batch, T)       1 where a step is used, 0 where it is skipped (Keras's
                                      masking: a skipped step keeps the states unchanged)
    recurrent_mask   (G, batch, u)    recurrent-dropout mask per gate (all ones without dropout)
    activation, recurrent_activation  integer codes: 0 linear, 1 tanh, 2 sigmoid, 3 relu,
                                      4 hard_sigmoid (each derivative is a function of the
                                      output y, so backward needs only the cached outputs)
    zero_output_for_mask  bool: a skipped step outputs 0 (True) or the previous output (False;
                          the output before step 0 counts as 0, as Keras's TensorFlow loop)
Masked steps, for every state s (h, and c for the LSTM):
    s_t   = m_t * s_new + (1 - m_t) * s_{t-1}
    out_t = m_t * h_new + (1 - m_t) * (0 if zero_output_for_mask else out_{t-1})
Backward receives `doutputs = dLoss/d out` for every step (zeros where the layer returned
only the last output, which gets the gradient of the last output) and dLoss/d(final states).
"""

import numpy as np

from .dense import dense_forward

__all__ = ["simple_rnn_forward", "simple_rnn_backward", "lstm_forward", "lstm_backward",
           "simple_rnn_inference", "lstm_inference"]


def apply_activation(z, code):
    """y = activation(z) for the integer code (see the module docstring).  z, y: any shape."""
    if code == 1:
        return np.tanh(z)
    if code == 2:
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    if code == 3:
        return np.maximum(z, 0)
    if code == 4:
        return np.minimum(np.maximum(z + 3, 0), 6) / 6
    return z


def activation_slope(y, code):
    """dy/dz written with the output y only.  tanh: 1 - y^2; sigmoid: y (1 - y);
    relu: [y > 0]; hard_sigmoid: 1/6 where 0 < y < 1; linear: 1."""
    if code == 1:
        return 1 - y * y
    if code == 2:
        return y * (1 - y)
    if code == 3:
        return (y > 0).astype(y.dtype)
    if code == 4:
        return np.where((y > 0) & (y < 1), y.dtype.type(1 / 6), y.dtype.type(0))
    return np.ones_like(y)


# ---- SimpleRNN ------------------------------------------------------------------------------
def simple_rnn_forward(xz, recurrent_kernel, h0, mask, recurrent_mask, activation,
                       zero_output_for_mask):
    """Run h_t = activation(xz_t + (h_{t-1} * r) @ U) over the time steps.

    Forward at step t (U = recurrent_kernel, r = recurrent_mask[0]):
        h_new = activation(xz[:, t] + (h_{t-1} * r) @ U)
        then the masked update of the module docstring.
    Shapes: xz (batch, T, u), h0 (batch, u), U (u, u), mask (batch, T), r (1, batch, u).
    Returns outputs (batch, T, u), h_T (batch, u) and the cache for backward:
    hprev (batch, T, u) the state entering each step, hnew (batch, T, u) each h_new.
    """
    batch, steps, units = xz.shape
    outputs = np.zeros_like(xz)
    hprev = np.zeros_like(xz)
    hnew = np.zeros_like(xz)
    h = h0.astype(xz.dtype)
    out = np.zeros_like(h)
    for t in range(steps):
        m = mask[:, t:t + 1]
        hprev[:, t] = h
        y = apply_activation(xz[:, t] + (h * recurrent_mask[0]) @ recurrent_kernel, activation)
        hnew[:, t] = y
        h = np.where(m > 0, y, h)
        out = np.where(m > 0, y, 0 if zero_output_for_mask else out)
        outputs[:, t] = out
    return outputs, h, hprev, hnew


def simple_rnn_backward(doutputs, dh_last, recurrent_kernel, mask, recurrent_mask, hprev, hnew,
                        activation, zero_output_for_mask):
    """Backprop through time for `simple_rnn_forward`.

    Backward at step t, from the last step down (dh: gradient on the state h_t):
        dout    = doutputs[:, t] + (gradient carried from out_{t+1} if outputs carry over)
        dz      = m * (dout + dh) * activation'(h_new)
        dU     += (h_{t-1} * r).T @ dz
        dh      = (dz @ U.T) * r + (1 - m) * dh
    Returns dxz (batch, T, u), drecurrent_kernel (u, u), dh0 (batch, u).
    """
    batch, steps, units = doutputs.shape
    dxz = np.zeros_like(doutputs)
    drecurrent_kernel = np.zeros_like(recurrent_kernel)
    dh = dh_last.astype(doutputs.dtype)
    dout_carry = np.zeros_like(dh)
    r = recurrent_mask[0]
    for t in range(steps - 1, -1, -1):
        m = mask[:, t:t + 1]
        dout = doutputs[:, t] + dout_carry
        dout_carry = 0 * dout if zero_output_for_mask else (1 - m) * dout
        dz = m * (dout + dh) * activation_slope(hnew[:, t], activation)
        dxz[:, t] = dz
        drecurrent_kernel += (hprev[:, t] * r).T @ dz
        dh = (dz @ recurrent_kernel.T) * r + (1 - m) * dh
    return dxz, drecurrent_kernel, dh


# ---- LSTM -----------------------------------------------------------------------------------
def lstm_forward(xz, recurrent_kernel, h0, c0, mask, recurrent_mask, activation,
                 recurrent_activation, zero_output_for_mask):
    """Run the LSTM cell over the time steps (gate order i, f, c, o as Keras).

    Forward at step t (sigma = recurrent_activation, act = activation, U_g = the gate's
    columns of recurrent_kernel, r_g = recurrent_mask[g]):
        z_g = xz[:, t, g] + (h_{t-1} * r_g) @ U_g          for g in i, f, c, o
        i = sigma(z_i)   f = sigma(z_f)   g = act(z_c)   o = sigma(z_o)
        c_new = f * c_{t-1} + i * g
        h_new = o * act(c_new)
        then the masked update of the module docstring for h, c and the output.
    Shapes: xz (batch, T, 4u), U (u, 4u), h0 and c0 (batch, u), mask (batch, T),
    recurrent_mask (4, batch, u).
    Returns outputs (batch, T, u), h_T, c_T (batch, u) and the cache for backward:
    hprev, cprev (batch, T, u) the states entering each step, gates (batch, T, 4u) = i f g o,
    cnew (batch, T, u).
    """
    batch, steps, four_units = xz.shape
    u = four_units // 4
    outputs = np.zeros((batch, steps, u), xz.dtype)
    hprev, cprev, cnew = np.zeros_like(outputs), np.zeros_like(outputs), np.zeros_like(outputs)
    gates = np.zeros_like(xz)
    h, c = h0.astype(xz.dtype), c0.astype(xz.dtype)
    out = np.zeros_like(h)
    for t in range(steps):
        m = mask[:, t:t + 1]
        hprev[:, t], cprev[:, t] = h, c
        z = [xz[:, t, g * u:(g + 1) * u]
             + (h * recurrent_mask[g]) @ recurrent_kernel[:, g * u:(g + 1) * u]
             for g in range(4)]
        i = apply_activation(z[0], recurrent_activation)
        f = apply_activation(z[1], recurrent_activation)
        g = apply_activation(z[2], activation)
        o = apply_activation(z[3], recurrent_activation)
        c_new = f * c + i * g
        h_new = o * apply_activation(c_new, activation)
        gates[:, t] = np.concatenate([i, f, g, o], axis=1)
        cnew[:, t] = c_new
        h = np.where(m > 0, h_new, h)  # where, not m*a + (1-m)*b: a skipped step's values
        c = np.where(m > 0, c_new, c)  # never reach the states (even if inf or nan)
        out = np.where(m > 0, h_new, 0 if zero_output_for_mask else out)
        outputs[:, t] = out
    return outputs, h, c, hprev, cprev, gates, cnew


def lstm_backward(doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_mask, hprev,
                  cprev, gates, cnew, activation, recurrent_activation, zero_output_for_mask):
    """Backprop through time for `lstm_forward`.

    Backward at step t, from the last step down (dh, dc: gradients on the states h_t, c_t;
    a = act(c_new); act', sigma' are the slopes written with the outputs):
        dout  = doutputs[:, t] + (gradient carried from out_{t+1} if outputs carry over)
        dh_new = m * (dout + dh)              dc_new = m * dc + dh_new * o * act'(a)
        dz_i = dc_new * g * sigma'(i)         dz_f = dc_new * c_{t-1} * sigma'(f)
        dz_c = dc_new * i * act'(g)           dz_o = dh_new * a * sigma'(o)
        dU_g += (h_{t-1} * r_g).T @ dz_g
        dh = sum_g (dz_g @ U_g.T) * r_g + (1 - m) * dh
        dc = dc_new * f + (1 - m) * dc
    Returns dxz (batch, T, 4u), drecurrent_kernel (u, 4u), dh0, dc0 (batch, u).
    """
    batch, steps, u = doutputs.shape
    dxz = np.zeros((batch, steps, 4 * u), doutputs.dtype)
    drecurrent_kernel = np.zeros_like(recurrent_kernel)
    dh, dc = dh_last.astype(doutputs.dtype), dc_last.astype(doutputs.dtype)
    dout_carry = np.zeros_like(dh)
    for t in range(steps - 1, -1, -1):
        m = mask[:, t:t + 1]
        dout = doutputs[:, t] + dout_carry
        dout_carry = 0 * dout if zero_output_for_mask else (1 - m) * dout
        i, f, g, o = (gates[:, t, k * u:(k + 1) * u] for k in range(4))
        a = apply_activation(cnew[:, t], activation)
        dh_new = m * (dout + dh)
        dc_new = m * dc + dh_new * o * activation_slope(a, activation)
        dz = [dc_new * g * activation_slope(i, recurrent_activation),
              dc_new * cprev[:, t] * activation_slope(f, recurrent_activation),
              dc_new * i * activation_slope(g, activation),
              dh_new * a * activation_slope(o, recurrent_activation)]
        dh_carry = (1 - m) * dh
        dh = np.zeros_like(dh)
        for k in range(4):
            cols = slice(k * u, (k + 1) * u)
            dxz[:, t, cols] = dz[k]
            drecurrent_kernel[:, cols] += (hprev[:, t] * recurrent_mask[k]).T @ dz[k]
            dh += (dz[k] @ recurrent_kernel[:, cols].T) * recurrent_mask[k]
        dh += dh_carry
        dc = dc_new * f + (1 - m) * dc
    return dxz, drecurrent_kernel, dh, dc


# ---- inference: predict's forward pass, nothing kept for backward --------------------------
def simple_rnn_inference(x, kernel, bias, recurrent_kernel, h0, activation):
    """The layer's whole forward pass as predict runs it: no mask, no dropout, no cache.

        xz = x @ kernel + bias,  then simple_rnn_forward with every step used.
    Shapes: x (batch, T, features), kernel (features, u), bias (u,) or None, h0 (batch, u).
    Returns outputs (batch, T, u) and h_T (batch, u).
    """
    xz, mask, recurrent_mask = _inference_inputs(x, kernel, bias, recurrent_kernel, 1)
    outputs, h, _, _ = simple_rnn_forward(xz, recurrent_kernel, h0, mask, recurrent_mask,
                                          activation, False)
    return outputs, h


def lstm_inference(x, kernel, bias, recurrent_kernel, h0, c0, activation, recurrent_activation):
    """The layer's whole forward pass as predict runs it: no mask, no dropout, no cache.

        xz = x @ kernel + bias,  then lstm_forward with every step used.
    Shapes: x (batch, T, features), kernel (features, 4u), bias (4u,) or None, h0 and c0
    (batch, u). Returns outputs (batch, T, u), h_T and c_T (batch, u).
    """
    xz, mask, recurrent_mask = _inference_inputs(x, kernel, bias, recurrent_kernel, 4)
    outputs, h, c, *_ = lstm_forward(xz, recurrent_kernel, h0, c0, mask, recurrent_mask,
                                     activation, recurrent_activation, False)
    return outputs, h, c


def _inference_inputs(x, kernel, bias, recurrent_kernel, gates):
    """xz (batch, T, G u), an all-steps-used mask and all-ones recurrent masks."""
    batch, steps, features = x.shape
    xz = dense_forward(x.reshape(batch * steps, features), kernel, bias)
    ones = np.ones((gates, batch, recurrent_kernel.shape[0]), x.dtype)
    return xz.reshape(batch, steps, kernel.shape[1]), np.ones((batch, steps), x.dtype), ones
