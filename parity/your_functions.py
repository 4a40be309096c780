"""Checks on the functions a user hands to parity.check_*, and on what they return.

Wrong use gets a TypeError/ValueError naming the function, the output and what was expected,
before any comparison runs; never a NumPy broadcasting error from deep inside the check.
"""

import inspect

import numpy as np


def check_arity(fn, role, params, keywords=()):
    """`fn` must be callable as fn(*params, **{k: ... for k in keywords}).

    role: the argument's name ("forward"); params: the positional names it receives.
    """
    if not callable(fn):
        raise TypeError(f"{role}={fn!r}: expected a function {role}({', '.join(params)}).")
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin or extension without a signature: call it
        return
    try:
        signature.bind(*params, **{k: None for k in keywords})
    except TypeError as error:
        wanted = ", ".join([*params, *(f"{k}=..." for k in keywords)])
        raise TypeError(f"{role} must be callable as {role}({wanted}); yours is "
                        f"{getattr(fn, '__name__', role)}{signature} ({error}).") from None


def check_array(value, what, shape, dtype, role):
    """Return `value` as an array after checking its type, shape, dtype and finiteness.

    what: which output ("output y", "dx", "dweights[1] (bias)"); role: the function's name.
    """
    if value is None:
        raise ValueError(f"{role} returned None for {what}; expected an array of shape {shape}.")
    if isinstance(value, (list, tuple)):
        raise TypeError(f"{role} returned a {type(value).__name__} for {what}; expected one "
                        f"array of shape {shape} (np.asarray it).")
    array = np.asarray(value)
    if array.dtype.kind not in "fiu" and array.dtype != bool:
        raise TypeError(f"{role} returned {what} of dtype {array.dtype}; expected {dtype}.")
    if tuple(array.shape) != tuple(shape):
        note = ""
        if array.ndim == 2 and tuple(array.shape[::-1]) == tuple(shape):
            note = " (yours is the transpose)"
        raise ValueError(f"{role} returned {what} of shape {tuple(array.shape)}; expected "
                         f"{tuple(shape)}{note}.")
    if array.dtype != np.dtype(dtype):
        raise TypeError(
            f"{role} returned {what} of dtype {array.dtype}; the check runs in {dtype}, so "
            f"expected {dtype} (an array created without dtype= is float64: use e.g. "
            f"np.zeros(shape, dtype=x.dtype), or pass dtype='{array.dtype}' to the check).")
    bad = ~np.isfinite(array)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        kind = "NaN" if np.isnan(array[first]) else "inf"
        raise ValueError(f"{role} returned {what} with {int(bad.sum())} non-finite value(s): "
                         f"{kind} at index {first}.")
    return array


def check_sequence(value, what, count, role, names=None):
    """`value` must be a list/tuple of `count` entries (e.g. one gradient per weight)."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{role} returned {type(value).__name__} for {what}; expected a list of "
                        f"{count}" + (f": {', '.join(names)}" if names else "") + ".")
    if len(value) != count:
        listed = f" ({', '.join(names)}, in get_weights() order)" if names else ""
        raise ValueError(f"{role} returned {len(value)} {what}; expected {count}{listed}.")
    return list(value)


def call(fn, role, *args, **kwargs):
    """fn(*args) on copies, so the user's code cannot change what Keras sees."""
    copies = [[np.array(a) for a in arg] if isinstance(arg, list) else
              np.array(arg) if isinstance(arg, np.ndarray) else arg for arg in args]
    return fn(*copies, **kwargs)
