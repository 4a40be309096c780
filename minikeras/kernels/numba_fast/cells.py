"""The recurrent cells on the compiled path, written once: LSTM, GRU, SimpleRNN and their
activations, on one sample's row of one time step.

Every compiled time loop (rnn_fused.py: small layers, no BLAS; rnn_gemm.py: BLAS GEMMs per
step, the batch over threads; gru.py) walks time and the batch and does the matmuls its own
way, then hands each sample's row to the functions below. The equations are
`numpy_ref/rnn.py`'s and `numpy_ref/gru.py`'s, which read like the papers; a row here is one
sample's slice of the reference's (batch, .) arrays (u = units):

    LSTM      z (4u,) = xz_t + h_{t-1} @ U, columns i f g o        (the loop computes it)
              i, f, o = sigma(z_i, z_f, z_o)    g = act(z_g)
              c_new = f * c_{t-1} + i * g       h_new = o * act(c_new)
    GRU       z = sigma(xz_z + p_z)   r = sigma(xz_r + p_r)        (p: the recurrent terms)
              hh = act(xz_h + r * q)  (reset_after)   or  act(xz_h + q)  (q already (r h) U_h)
              h_new = z * h_{t-1} + (1 - z) * hh
    SimpleRNN h_new = act(z)

Activations come as the integer codes of `kernels/codes.py`. tanh is `tanh` below, sigmoid is
tanh(z/2)/2 + 1/2: in float32 both are branch-free polynomials LLVM vectorizes (~0.7 ns an
element here, libm ~15 ns), the form every loop uses. A row function tests the codes once,
outside its loops, so each loop is straight-line code (`activate_row`; the LSTM's backward
is compiled once for Keras's tanh/sigmoid and once for any codes).
Arithmetic is in the arrays' dtype, as the reference's.
The cell functions are compiled and cached once (`njit(cache=True)`) and called by every
loop; the scalar helpers and the masking steps are inlined into them. `activate_row` is a
cached function of its own too, not inlined: the LSTM's forward cell calls it four times, and
inlined, numba's front end typed and lowered its three loops at each call (the airline
tutorial's first run with an empty cache 21.9, 21.5 -> 19.0, 18.9 s; W5, W6 fits and the
bits unchanged). Measured (W6's LSTM(64),
batch 64, 30 steps, one thread): with everything inlined into each loop, an empty cache took
14.5 s + 42 s to compile a small and a large LSTM (before this file: 7 s + 10.5 s) for the same
speed; cached cells take 8.6 s + 17 s and cost 2-8% of a step (a call per sample and step);
calls for every helper too: 27 s + 55 s, and the forward 25% slower.
Cached callers of an edited file recompile by themselves: every kernel's cache is stamped by
the whole package (cache.py).
"""

import math

import numpy as np
from numba import njit, types
from numba.extending import overload

from ..codes import HARD_SIGMOID, RELU, SIGMOID, TANH


# ---- scalars: a constant in x's precision, tanh, sigmoid ----------------------------------------
def as_type_of(x, value):
    """`value` as a float of x's type (float32 math stays float32)."""
    return float(value)


@overload(as_type_of, inline="always")
def _as_type_of(x, value):
    if isinstance(x, types.Float) and x.bitwidth == 32:
        return lambda x, value: np.float32(value)
    return lambda x, value: np.float64(value)


def tanh(a):
    """tanh(a) in a's precision. float32: at most 3 ulp from the correctly rounded value
    (NumPy's float32 tanh: 1 ulp). How often it is exactly that value depends on the inputs:
    92.7% on a grid over [-12, 12], normals and log-spaced tiny values (NumPy: 70%), 74.8% on
    evenly spaced float32 bit patterns in [1e-6, 9.2] (NumPy: 84.1%). float64 calls libm."""
    return np.tanh(a)


@njit(error_model="numpy", fastmath={"contract"})
def _tanh_float32(a):
    # tanh |a| = m / (m + 2) with m = e^y - 1, y = 2|a| (|a| clamped to 9.1: past it float32
    # tanh is 1). m = 2^k (1 + p) - 1 where y = k ln 2 + r, |r| <= ln(2) / 2 (ln 2 split in a
    # short head and a tail, so k ln 2 is exact enough) and p = e^r - 1 by its Taylor series to
    # r^7. 2^k is an integer shift (k <= 26). All float32, no calls, no branches but selects,
    # so LLVM vectorizes a loop of these 8 lanes wide.
    f = np.float32
    x = min(abs(a), f(9.1))
    y = x + x
    k = np.int32(y * f(1.4426950408889634) + f(0.5))  # round(y / ln 2); y >= 0
    kf = f(k)
    r = (y - kf * f(0.693145751953125)) - kf * f(1.4286068203094173e-06)
    p = r * (f(1) + r * (f(1 / 2) + r * (f(1 / 6) + r * (f(1 / 24) + r * (f(1 / 120) + r * (
        f(1 / 720) + r * f(1 / 5040)))))))
    two_k = f(np.int32(1) << k)
    m = two_k * p + (two_k - f(1))
    return np.float32(math.copysign(m / (m + f(2)), a))


@overload(tanh, inline="always")
def _tanh(a):
    if isinstance(a, types.Float) and a.bitwidth == 32:
        return lambda a: _tanh_float32(a)
    return lambda a: math.tanh(a)


@njit(inline="always")
def sigmoid(a):
    """1 / (1 + e^-a), as tanh(a/2)/2 + 1/2 (the halves are exact, so no rounding is added)."""
    half = as_type_of(a, 0.5)
    return half * tanh(half * a) + half


@njit(inline="always")
def activate(z, code):
    """activation(z) for an activation code (kernels/codes.py)."""
    if code == TANH:
        return tanh(z)
    if code == SIGMOID:
        return sigmoid(z)
    if code == RELU:
        return z if z > 0 else as_type_of(z, 0)
    if code == HARD_SIGMOID:
        return min(max(z + as_type_of(z, 3), as_type_of(z, 0)), as_type_of(z, 6)) / as_type_of(
            z, 6)
    return z  # LINEAR


@njit(inline="always")
def slope(y, code):
    """d activation / dz written with the output y = activation(z) alone (what loops cache):
    tanh 1 - y^2, sigmoid y (1 - y), relu [y > 0], hard_sigmoid 1/6 on (0, 1), linear 1."""
    one = as_type_of(y, 1)
    if code == TANH:
        return one - y * y
    if code == SIGMOID:
        return y * (one - y)
    if code == RELU:
        return one if y > 0 else as_type_of(y, 0)
    if code == HARD_SIGMOID:
        return as_type_of(y, 1 / 6) if 0 < y < 1 else as_type_of(y, 0)
    return one


@njit(cache=True)
def activate_row(z, y, code):
    """y[j] = activation(z[j]) over one row. The code is tested once, outside the loops, so
    the tanh and sigmoid loops are straight-line code that LLVM vectorizes. Compiled once, not
    inlined (the module docstring: why)."""
    if code == TANH:
        for j in range(z.shape[0]):
            y[j] = tanh(z[j])
    elif code == SIGMOID:
        for j in range(z.shape[0]):
            y[j] = sigmoid(z[j])
    else:
        for j in range(z.shape[0]):
            y[j] = activate(z[j], code)


@njit(inline="always")
def activate_sum_row(a, scale, b, scaled, y, code):
    """y[j] = activation(a[j] + scale[j] * b[j]) (or of a[j] + b[j] where not `scaled`) over
    one row, the sum rounded to y's dtype first (b may be a float64 sum), the code and
    `scaled` tested once. For the GRU, whose gates would otherwise be summed into y and
    activated in place: LLVM does not vectorize a row read and written through two views of
    one array (measured, GRU(64) cells on 64 rows x 30 steps: 1.65 -> 0.24 ms)."""
    if code == TANH:
        for j in range(y.shape[0]):
            y[j] = tanh(as_type_of(y[j], a[j] + (scale[j] * b[j] if scaled else b[j])))
    elif code == SIGMOID:
        for j in range(y.shape[0]):
            y[j] = sigmoid(as_type_of(y[j], a[j] + (scale[j] * b[j] if scaled else b[j])))
    else:
        for j in range(y.shape[0]):
            y[j] = activate(as_type_of(y[j], a[j] + (scale[j] * b[j] if scaled else b[j])),
                            code)


# ---- masking: what every loop does around the cell (numpy_ref/rnn.py's module docstring) ---------
@njit(inline="always")
def keep_or_update(state, new, used):
    """state = new where the step is used; a skipped step keeps the state."""
    if used:
        for j in range(state.shape[0]):
            state[j] = new[j]


@njit(inline="always")
def step_output(out, h_new, output, used, zero_output_for_mask):
    """The step's output row: h_new where used, else 0 or the previous output (`out` carries
    it from step to step)."""
    if used:
        for j in range(out.shape[0]):
            out[j] = h_new[j]
    elif zero_output_for_mask:
        for j in range(out.shape[0]):
            out[j] = 0
    for j in range(out.shape[0]):
        output[j] = out[j]


@njit(inline="always")
def state_gradient(dout, carry, dh, dh_new, used, zero_output_for_mask):
    """dh_new = dLoss/dh_new of one sample's step: its output's gradient, plus what later
    skipped steps carried back to it (a skipped step repeats the last output unless
    zero_output_for_mask, so its gradient waits in `carry` until a used step takes it),
    plus dh, the gradient on the state from the steps after."""
    for j in range(dout.shape[0]):
        d = dout[j] + carry[j]
        carry[j] = 0 if (zero_output_for_mask or used) else d
        dh_new[j] = d + dh[j]


# ---- LSTM -------------------------------------------------------------------------------------
@njit(cache=True)
def lstm_cell_forward(z, c_prev, gates, c_new, h_new, activation, recurrent_activation):
    """One sample's step: z (4u,) pre-activations i f g o -> gates (4u,) = i f g o,
    c_new (u,) = f * c_prev + i * g, h_new (u,) = o * act(c_new)."""
    u = c_prev.shape[0]
    activate_row(z[:2 * u], gates[:2 * u], recurrent_activation)  # i, f
    activate_row(z[2 * u:3 * u], gates[2 * u:3 * u], activation)  # g
    activate_row(z[3 * u:], gates[3 * u:], recurrent_activation)  # o
    for j in range(u):
        c_new[j] = gates[u + j] * c_prev[j] + gates[j] * gates[2 * u + j]
    activate_row(c_new, h_new, activation)
    for j in range(u):
        h_new[j] = gates[3 * u + j] * h_new[j]


@njit(inline="always")
def _lstm_units_backward(dh_new, dc, gates, c_prev, a, dz, activation, recurrent_activation):
    # three loops, not one: each touches few enough arrays for LLVM's alias checks, so each
    # vectorizes (one loop over all seven arrays measured 15% slower at W6)
    u = dc.shape[0]
    for j in range(u):  # dc_new
        dc[j] = dc[j] + dh_new[j] * gates[3 * u + j] * slope(a[j], activation)
    for j in range(u):
        i, f, g, o = gates[j], gates[u + j], gates[2 * u + j], gates[3 * u + j]
        dz[j] = dc[j] * g * slope(i, recurrent_activation)
        dz[u + j] = dc[j] * c_prev[j] * slope(f, recurrent_activation)
        dz[2 * u + j] = dc[j] * i * slope(g, activation)
        dz[3 * u + j] = dh_new[j] * a[j] * slope(o, recurrent_activation)
    for j in range(u):  # dc_{t-1}
        dc[j] = dc[j] * gates[u + j]


@njit(cache=True)
def lstm_cell_backward(dh_new, dc, gates, c_prev, c_new, a, dz, activation,
                       recurrent_activation):
    """Backward of lstm_cell_forward for a used step. dh_new (u,) = dLoss/dh_new; dc (u,) goes
    in as dLoss/dc_t and comes out as dLoss/dc_{t-1}; a (u,) is filled with act(c_new); fills
    dz (4u,) = dLoss/dz:
        a = act(c_new)         dc_new = dc + dh_new * o * act'(a)
        dz_i = dc_new * g * sigma'(i)     dz_f = dc_new * c_prev * sigma'(f)
        dz_g = dc_new * i * act'(g)       dz_o = dh_new * a * sigma'(o)
        dc_{t-1} = dc_new * f
    (primes: the slopes written with the outputs). Keras's tanh/sigmoid get their own compiled
    copy of the loops, free of tests on the codes, so they vectorize."""
    activate_row(c_new, a, activation)
    if activation == TANH and recurrent_activation == SIGMOID:
        _lstm_units_backward(dh_new, dc, gates, c_prev, a, dz, TANH, SIGMOID)
    else:
        _lstm_units_backward(dh_new, dc, gates, c_prev, a, dz, activation,
                             recurrent_activation)


# ---- SimpleRNN --------------------------------------------------------------------------------
@njit(cache=True)
def simple_rnn_cell_forward(z, h_new, activation):
    """One sample's step: h_new (u,) = act(z), z (u,) = xz_t + h_{t-1} @ U."""
    activate_row(z, h_new, activation)


@njit(cache=True)
def simple_rnn_cell_backward(dh_new, h_new, dz, activation):
    """dz (u,) = dh_new * act'(h_new) for a used step."""
    for j in range(dz.shape[0]):
        dz[j] = dh_new[j] * slope(h_new[j], activation)


# ---- GRU --------------------------------------------------------------------------------------
@njit(cache=True)
def gru_cell_gates(xz, recurrent, gates, recurrent_activation):
    """The update and reset gates of one sample's step: gates[:u] = z = sigma(xz_z + p_z),
    gates[u:2u] = r = sigma(xz_r + p_r). xz (3u,); recurrent (2u,) the recurrent terms
    p = (h * r_g) @ U_g + b_g of z and r."""
    n = recurrent.shape[0]
    activate_sum_row(xz[:n], xz, recurrent, False, gates[:n], recurrent_activation)


@njit(cache=True)
def gru_cell_output(xz, q, h_prev, gates, h_new, activation, reset_after):
    """The candidate and the new state of one sample's step (after gru_cell_gates):
    gates[2u:] = hh = act(xz_h + r * q) (reset_after; q = (h * r_h) @ U_h + b_h) or
    act(xz_h + q) (q = (r * h * r_h) @ U_h); h_new (u,) = z * h_prev + (1 - z) * hh."""
    u = h_prev.shape[0]
    activate_sum_row(xz[2 * u:], gates[u:2 * u], q, reset_after, gates[2 * u:], activation)
    for j in range(u):
        z = gates[j]
        h_new[j] = z * h_prev[j] + (1 - z) * gates[2 * u + j]


@njit(cache=True)
def gru_cell_backward(dh_new, h_prev, gates, d, activation, recurrent_activation):
    """The update gate's and the candidate's gradients of one used step: d[:u] = dz_ =
    dh_new * (h_prev - hh) * sigma'(z), d[2u:] = da = dh_new * (1 - z) * act'(hh); the reset
    gate's is gru_cell_reset_backward (it needs dq, a matmul away when not reset_after)."""
    u = h_prev.shape[0]
    for j in range(u):
        z = gates[j]
        hh = gates[2 * u + j]
        d[2 * u + j] = dh_new[j] * (1 - z) * slope(hh, activation)
        d[j] = dh_new[j] * (h_prev[j] - hh) * slope(z, recurrent_activation)


@njit(cache=True)
def gru_cell_reset_backward(d, q, dq, gates, recurrent_activation, reset_after):
    """d[u:2u] = dr_, the reset gate's gradient. reset_after: dq = da * r (out) and
    dr_ = da * q * sigma'(r). Otherwise dq (in) = da @ U_h.T, q (in) = h * r_h, and
    dr_ = dq * q * sigma'(r)."""
    u = q.shape[0]
    for j in range(u):
        r = gates[u + j]
        if reset_after:
            dq[j] = d[2 * u + j] * r
            d[u + j] = d[2 * u + j] * q[j] * slope(r, recurrent_activation)
        else:
            d[u + j] = dq[j] * q[j] * slope(r, recurrent_activation)
