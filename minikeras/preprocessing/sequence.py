"""`keras.preprocessing.sequence`: pad_sequences (Keras 3 keeps it at this path too)."""

from ..utils.sequence_utils import pad_sequences  # noqa: F401

__all__ = ["pad_sequences"]
