"""numba twins of `numpy_ref/conv_lstm.py`: the same loops, on the compiled convolutions.

A ConvLSTM step is two convolutions (numba_fast/conv.py's im2col + BLAS kernels) around a few
elementwise gate formulas, so the time cost is the convolutions': the loops and equations are
the reference's (`forward_loop`, `backward_loop`, `input_forward`, `input_backward`, called
here with this path's `conv` module), not a second copy of them.
"""

from ..numpy_ref import conv_lstm as reference
from . import conv

__all__ = reference.__all__


def conv_lstm_input_forward(x, kernel, bias, input_masks, strides, dilation_rate, pads):
    return reference.input_forward(conv, x, kernel, bias, input_masks, strides, dilation_rate,
                                   pads)


def conv_lstm_input_backward(dxz, x, kernel, input_masks, strides, dilation_rate, pads):
    return reference.input_backward(conv, dxz, x, kernel, input_masks, strides, dilation_rate,
                                    pads)


def conv_lstm_forward(xz, recurrent_kernel, h0, c0, mask, recurrent_masks, activation,
                      recurrent_activation, zero_output_for_mask):
    return reference.forward_loop(conv, xz, recurrent_kernel, h0, c0, mask, recurrent_masks,
                                  activation, recurrent_activation, zero_output_for_mask)


def conv_lstm_backward(doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_masks,
                       hprev, cprev, gates, cnew, activation, recurrent_activation,
                       zero_output_for_mask):
    return reference.backward_loop(conv, doutputs, dh_last, dc_last, recurrent_kernel, mask,
                                   recurrent_masks, hprev, cprev, gates, cnew, activation,
                                   recurrent_activation, zero_output_for_mask)
