"""pad_sequences, as `keras.utils.pad_sequences` (keras/src/utils/sequence_utils.py).

A list of n sequences -> an (n, maxlen, *sample_shape) array: each sequence is cut to maxlen
(`truncating`: "pre" drops its start, "post" its end) and padded with `value`
(`padding`: "pre" before it, "post" after it).
"""

import numbers

import numpy as np


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pad (and cut) a list of sequences to one length; returns (len(sequences), maxlen, ...).

    Where minikeras differs: Keras silently truncates 2.7 to 2 when `dtype` is an integer type;
    minikeras raises a ValueError naming the sequence and the value. Keras fails on an empty list
    and on maxlen=0; minikeras returns an empty array.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood')
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood')
    if maxlen is not None and (isinstance(maxlen, bool)
                               or not isinstance(maxlen, numbers.Integral) or maxlen < 0):
        raise ValueError(f"`maxlen` must be None or an integer >= 0, got maxlen={maxlen!r}.")
    lengths, sample_shape, found = [], (), False
    for x in sequences:  # the sample shape comes from the first non-empty sequence
        try:
            lengths.append(len(x))
        except TypeError as e:
            raise ValueError("`sequences` must be a list of iterables. "
                             f"Found non-iterable: {x!s}") from e
        if not found and len(x):
            sample_shape = np.asarray(x).shape[1:]
            found = True
    if maxlen is None:
        maxlen = max(lengths) if lengths else 0
    maxlen = int(maxlen)
    dtype_is_str = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not dtype_is_str:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
                         "You should set `dtype=object` for variable length strings.")
    integer_out = dtype is not object and np.dtype(dtype).kind in "iub"
    out = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    if maxlen == 0:
        return out
    for idx, s in enumerate(sequences):
        if not len(s):
            continue
        kept = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        if integer_out:
            _check_integers(kept, idx)
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(f"Shape of sample {kept.shape[1:]} of sequence at position {idx} "
                             f"is different from expected shape {sample_shape}")
        if padding == "post":
            out[idx, :len(kept)] = kept
        else:
            out[idx, -len(kept):] = kept
    return out


def _check_integers(values, idx):
    """An integer `dtype` takes integer values only (Keras would truncate 2.7 to 2)."""
    try:
        array = np.asarray(values)
    except ValueError as e:  # ragged nested lists
        raise ValueError(f"Sequence at position {idx} is not a flat list of numbers: {e}") from e
    if array.dtype.kind in "iub":
        return
    if array.dtype.kind == "f":
        bad = ~np.isfinite(array) | (array != np.round(array))
        if not bad.any():
            return
        first = array.reshape(-1)[np.flatnonzero(bad.reshape(-1))[0]].item()
        raise ValueError(f"pad_sequences with an integer dtype expects integer sequences, but "
                         f"the sequence at position {idx} contains {first!r} (pass "
                         "dtype='float32' to pad float sequences).")
    first = array.reshape(-1)[:1].tolist()
    raise ValueError(f"pad_sequences with an integer dtype expects integer sequences, but the "
                     f"sequence at position {idx} holds {array.dtype} values (first: {first}); "
                     "map words to integers first (e.g. with a Tokenizer).")
