"""Argument checks and padding arithmetic shared by the convolution, pooling and reshaping layers.

'same' padding (TensorFlow's rule, so outputs line up with Keras's):
    out = ceil(in / strides)
    total = max((out - 1) * strides + (kernel - 1) * dilation + 1 - in, 0)
    before = total // 2,  after = total - before       (the extra element goes after)
'causal' (Conv1D): before = dilation * (kernel - 1), after = 0.
"""

import numbers

import numpy as np


def check_positive_int(value, name, allow_zero=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or (
            value < 0 if allow_zero else value <= 0):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"Invalid value for argument `{name}`: expected a {kind} integer. "
                         f"Received: {name}={value!r}")
    return int(value)


def standardize_tuple(value, n, name, allow_zero=False):
    """An int or an n-sequence of ints -> a tuple of n ints (each > 0, or >= 0 if allowed)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        values = (value,) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                             f"Received: {name}={value!r}") from None
        if len(values) != n:
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                             f"Received: {name}={value!r} (length {len(values)})")
    for v in values:
        check_positive_int(v, name, allow_zero)
    return tuple(int(v) for v in values)


def standardize_padding(value, allow_causal=False):
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(f"The `padding` argument must be one of {list(allowed)}. "
                         f"Received: padding={value!r}")
    return padding


def standardize_data_format(value):
    if value is None:
        return "channels_last"
    data_format = value.lower() if isinstance(value, str) else value
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("The `data_format` argument must be one of 'channels_first', "
                         f"'channels_last'. Received: data_format={value!r}")
    return data_format


def pad_amounts(in_spatial, kernel_size, strides, dilation_rate, padding):
    """[(before, after)] per spatial axis for 'valid', 'same' or 'causal'."""
    pads = []
    for n, k, s, d in zip(in_spatial, kernel_size, strides, dilation_rate, strict=True):
        if padding == "valid":
            pads.append((0, 0))
        elif padding == "causal":
            pads.append((d * (k - 1), 0))
        else:
            out = -(-n // s)
            total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
            pads.append((total // 2, total - total // 2))
    return pads


def output_length(n, k, s, d, padding):
    """Output positions along one axis (None stays None)."""
    if n is None:
        return None
    if padding in ("same", "causal"):
        return -(-n // s)
    return (n - d * (k - 1) - 1) // s + 1


def to_channels_last(x, data_format, axis=1):
    """(batch, channels, *spatial) -> (batch, *spatial, channels) for channels_first (a view);
    `axis`: where the channels are (2 for ConvLSTM's (batch, time, channels, *spatial))."""
    if data_format == "channels_first":
        return np.moveaxis(x, axis, -1)
    return x


def from_channels_last(x, data_format, axis=1):
    """The inverse of to_channels_last: the channels move back from the end to `axis`."""
    if data_format == "channels_first":
        return np.moveaxis(x, -1, axis)
    return x


def geometry_config(layer):
    """A convolution's geometry keys of get_config(), in Keras's order (the Conv and ConvLSTM
    layers share them)."""
    return {"filters": layer.filters, "kernel_size": layer.kernel_size,
            "strides": layer.strides, "padding": layer.padding,
            "data_format": layer.data_format, "dilation_rate": layer.dilation_rate}


def spatial_and_channels(shape, data_format):
    """(spatial dims, channels) of an input shape in its data format."""
    shape = tuple(shape)
    if data_format == "channels_first":
        return shape[2:], shape[1]
    return shape[1:-1], shape[-1]


def with_channels(batch, spatial, channels, data_format):
    if data_format == "channels_first":
        return (batch, channels, *spatial)
    return (batch, *spatial, channels)


def check_rank(layer, shape, rank):
    """Raise Keras's incompatible-input error unless shape is (batch, rank spatial axes,
    channels)."""
    if len(shape) != rank + 2:
        raise ValueError(
            f'Input 0 of layer "{layer.name}" is incompatible with the layer: expected '
            f"ndim={rank + 2}, found ndim={len(shape)}. Full shape received: {tuple(shape)}")


def pad_spatial(x, pads, value=0.0):
    """x channels_last padded by [(before, after)] per spatial axis with `value`."""
    if not any(b or a for b, a in pads):
        return x
    return np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=value)


def unpad_spatial(dx, pads):
    """The inverse of pad_spatial: drop the padded borders of a gradient."""
    index = (slice(None),) + tuple(slice(b, dx.shape[i + 1] - a)
                                   for i, (b, a) in enumerate(pads)) + (slice(None),)
    return dx[index]
