"""GRU time loop: forward and backward through time, gate by gate (gate order z, r, h).

The layer does the input matmul for all steps before the loop (`xz = x @ kernel + input_bias`,
one BLAS call per dropout mask) and hands the loop only what depends on the previous step.
Time runs along axis 1 in processing order (the layer reverses for `go_backwards`).

Arguments shared by both functions (batch = samples, T = time steps, u = units):
    xz               (batch, T, 3u)  input projections, columns z | r | h
    recurrent_kernel (u, 3u)          U = [U_z U_r U_h]
    recurrent_bias   (3u,)            b = [b_z b_r b_h], the second bias row of Keras's
                                      reset_after GRU (zeros when reset_after=False or no bias)
    mask             (batch, T)       1 where a step is used, 0 where it is skipped
    recurrent_mask   (3, batch, u)    recurrent-dropout mask per gate (all ones without dropout)
    activation, recurrent_activation  integer codes as in rnn.py: 0 linear, 1 tanh, 2 sigmoid,
                                      3 relu, 4 hard_sigmoid
    reset_after      bool: the reset gate multiplies after the recurrent matmul (Keras's
                     default, v3 of the paper) or before it (v1)
    zero_output_for_mask  bool, as in rnn.py
Forward at step t (sigma = recurrent_activation, act = activation, h = h_{t-1}, r_g the
gate's recurrent-dropout mask):
    z  = sigma(xz_z + (h * r_z) @ U_z + b_z)
    r  = sigma(xz_r + (h * r_r) @ U_r + b_r)
    reset_after:  q = (h * r_h) @ U_h + b_h          hh = act(xz_h + r * q)
    else:         q = r * (h * r_h)                  hh = act(xz_h + q @ U_h)
    h_new = z * h + (1 - z) * hh
and then Keras's masking, as rnn.py: a skipped step keeps h; its output is the previous
output (or 0 with zero_output_for_mask).
Backward at step t, from the last step down (dh: gradient on the state h_t; primes are the
activations' slopes written with their outputs):
    dh_new = m * (dout_t + dh)
    da   = dh_new * (1 - z) * act'(hh)                 (a: the candidate's pre-activation)
    dz_  = dh_new * (h - hh) * sigma'(z)
    reset_after:  dq = da * r     dr_ = da * q * sigma'(r)
                  dU_h += (h * r_h).T @ dq             db_h += sum dq
                  dh_{t-1} gets (dq @ U_h.T) * r_h
    else:         dq = da @ U_h.T dr_ = dq * (h * r_h) * sigma'(r)
                  dU_h += q.T @ da
                  dh_{t-1} gets dq * r * r_h
    dU_z += (h * r_z).T @ dz_     dU_r += (h * r_r).T @ dr_    db_z, db_r += sum dz_, dr_
    dh_{t-1} = dh_new * z + (dz_ @ U_z.T) * r_z + (dr_ @ U_r.T) * r_r + (the h term above)
               + (1 - m) * dh
    dxz_t = [dz_, dr_, da]
"""

import numpy as np

from .dense import dense_forward
from .rnn import activation_slope, apply_activation

__all__ = ["gru_forward", "gru_backward", "gru_inference"]


def gru_forward(xz, recurrent_kernel, recurrent_bias, h0, mask, recurrent_mask, activation,
                recurrent_activation, reset_after, zero_output_for_mask):
    """Run the GRU cell over the time steps (the module docstring's forward equations).

    Shapes: xz (batch, T, 3u), recurrent_kernel (u, 3u), recurrent_bias (3u,), h0 (batch, u),
    mask (batch, T), recurrent_mask (3, batch, u).
    Returns outputs (batch, T, u), h_T (batch, u) and the cache for backward:
    hprev (batch, T, u) the state entering each step, gates (batch, T, 3u) = z | r | hh,
    q (batch, T, u) the candidate's recurrent term (see the module docstring).
    """
    batch, steps, three_u = xz.shape
    u = three_u // 3
    U_z, U_r, U_h = (recurrent_kernel[:, g * u:(g + 1) * u] for g in range(3))
    b_z, b_r, b_h = (recurrent_bias[g * u:(g + 1) * u] for g in range(3))
    r_z, r_r, r_h = recurrent_mask[0], recurrent_mask[1], recurrent_mask[2]
    outputs = np.zeros((batch, steps, u), xz.dtype)
    hprev, q_all = np.zeros_like(outputs), np.zeros_like(outputs)
    gates = np.zeros_like(xz)
    h = h0.astype(xz.dtype)
    out = np.zeros_like(h)
    for t in range(steps):
        m = mask[:, t:t + 1]
        x_z, x_r, x_h = (xz[:, t, g * u:(g + 1) * u] for g in range(3))
        hprev[:, t] = h
        z = apply_activation(x_z + (h * r_z) @ U_z + b_z, recurrent_activation)
        r = apply_activation(x_r + (h * r_r) @ U_r + b_r, recurrent_activation)
        if reset_after:
            q = (h * r_h) @ U_h + b_h
            hh = apply_activation(x_h + r * q, activation)
        else:
            q = r * (h * r_h)
            hh = apply_activation(x_h + q @ U_h, activation)
        h_new = z * h + (1 - z) * hh
        gates[:, t] = np.concatenate([z, r, hh], axis=1)
        q_all[:, t] = q
        h = np.where(m > 0, h_new, h)  # where: a skipped step's values never reach the state
        out = np.where(m > 0, h_new, 0 if zero_output_for_mask else out)
        outputs[:, t] = out
    return outputs, h, hprev, gates, q_all


def gru_backward(doutputs, dh_last, recurrent_kernel, mask, recurrent_mask, hprev, gates, q_all,
                 activation, recurrent_activation, reset_after, zero_output_for_mask):
    """Backprop through time for `gru_forward` (the module docstring's backward equations).

    doutputs (batch, T, u) = dLoss/d(each step's output); dh_last (batch, u) = dLoss/dh_T;
    the rest as `gru_forward` and its cache.
    Returns dxz (batch, T, 3u), drecurrent_kernel (u, 3u), drecurrent_bias (3u,) (only
    meaningful with reset_after), dh0 (batch, u).
    """
    batch, steps, u = doutputs.shape
    U_z, U_h = recurrent_kernel[:, :u], recurrent_kernel[:, 2 * u:]
    U_r = recurrent_kernel[:, u:2 * u]
    r_z, r_r, r_h = recurrent_mask[0], recurrent_mask[1], recurrent_mask[2]
    dxz = np.zeros((batch, steps, 3 * u), doutputs.dtype)
    dU_z, dU_r, dU_h = (np.zeros_like(U_z) for _ in range(3))
    db_h = np.zeros(u, doutputs.dtype)
    dh = dh_last.astype(doutputs.dtype)
    dout_carry = np.zeros_like(dh)
    for t in range(steps - 1, -1, -1):
        m = mask[:, t:t + 1]
        dout = doutputs[:, t] + dout_carry
        dout_carry = 0 * dout if zero_output_for_mask else (1 - m) * dout
        h, q = hprev[:, t], q_all[:, t]
        z, r, hh = (gates[:, t, g * u:(g + 1) * u] for g in range(3))
        dh_new = m * (dout + dh)
        da = dh_new * (1 - z) * activation_slope(hh, activation)
        dz_ = dh_new * (h - hh) * activation_slope(z, recurrent_activation)
        if reset_after:
            dq = da * r
            dr_ = da * q * activation_slope(r, recurrent_activation)
            dU_h += (h * r_h).T @ dq
            db_h += dq.sum(axis=0)
            dh_from_h = (dq @ U_h.T) * r_h
        else:
            dq = da @ U_h.T
            dr_ = dq * (h * r_h) * activation_slope(r, recurrent_activation)
            dU_h += q.T @ da
            dh_from_h = dq * r * r_h
        dU_z += (h * r_z).T @ dz_
        dU_r += (h * r_r).T @ dr_
        dxz[:, t] = np.concatenate([dz_, dr_, da], axis=1)
        dh = (dh_new * z + (dz_ @ U_z.T) * r_z + (dr_ @ U_r.T) * r_r + dh_from_h
              + (1 - m) * dh)
    drecurrent_kernel = np.concatenate([dU_z, dU_r, dU_h], axis=1)
    dsums = dxz.sum(axis=(0, 1))
    drecurrent_bias = np.concatenate([dsums[:2 * u], db_h])
    return dxz, drecurrent_kernel, drecurrent_bias, dh


# ---- inference: predict's forward pass, nothing kept for backward --------------------------
def gru_inference(x, kernel, bias, recurrent_kernel, recurrent_bias, h0, activation,
                  recurrent_activation, reset_after):
    """The layer's whole forward pass as predict runs it: no mask, no dropout, no cache.

        xz = x @ kernel + bias,  then gru_forward with every step used.
    Shapes: x (batch, T, features), kernel (features, 3u), bias (3u,) or None (the input
    bias), recurrent_bias (3u,) as gru_forward's, h0 (batch, u).
    Returns outputs (batch, T, u) and h_T (batch, u).
    """
    batch, steps, features = x.shape
    u = recurrent_kernel.shape[0]
    xz = dense_forward(x.reshape(batch * steps, features), kernel, bias)
    outputs, h, *_ = gru_forward(xz.reshape(batch, steps, 3 * u), recurrent_kernel,
                                 recurrent_bias, h0, np.ones((batch, steps), x.dtype),
                                 np.ones((3, batch, u), x.dtype), activation,
                                 recurrent_activation, reset_after, False)
    return outputs, h
