"""Keras's automatic names: `dense`, `dense_1`, `dense_2`, ... one counter per prefix."""

import re
from collections import defaultdict

_UIDS = defaultdict(int)


def get_uid(prefix):
    """Return 1, 2, 3, ... on successive calls with the same prefix (Keras's `backend.get_uid`)."""
    _UIDS[prefix] += 1
    return _UIDS[prefix]


def auto_name(prefix):
    """`prefix` the first time, then `prefix_1`, `prefix_2`, ... as Keras names layers."""
    uid = get_uid(prefix)
    return prefix if uid == 1 else f"{prefix}_{uid - 1}"


def to_snake_case(name):
    """`BatchNormalization` -> `batch_normalization`, as Keras derives default layer names."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
    return name


def reset_uids():
    """Forget every counter (Keras's `keras.backend.clear_session` does the same)."""
    _UIDS.clear()
