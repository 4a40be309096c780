"""Array copies and sums written as element loops, for the compiled kernels.

`out[...] = src` or `out[i] += src[j]` with arrays makes numba compile its shape-mismatch error
message (string formatting, 1-2 s with an empty cache) for each shape of the statement: the
first fit of an LSTM(64) model compiled it three times. A loop has no message to compile, and
the numbers are the same.
"""

from numba import njit


@njit(cache=True, error_model="numpy")
def copy_into(src, out):
    """out[...] = src for 2-D arrays of one shape (either may be a strided view)."""
    for i in range(src.shape[0]):
        for j in range(src.shape[1]):
            out[i, j] = src[i, j]


@njit(cache=True, error_model="numpy")
def copy_vector_into(src, out):
    """out[...] = src for 1-D arrays of one length."""
    for i in range(src.shape[0]):
        out[i] = src[i]


@njit(cache=True, error_model="numpy")
def add_into(src, out):
    """out += src for 2-D arrays of one shape."""
    for i in range(src.shape[0]):
        for j in range(src.shape[1]):
            out[i, j] += src[i, j]


@njit(cache=True, error_model="numpy")
def add_vector_into(src, out):
    """out += src for 1-D arrays of one length."""
    for i in range(src.shape[0]):
        out[i] += src[i]
