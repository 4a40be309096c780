"""Models, at the names `keras.models` uses."""

from .sequential import Sequential

__all__ = ["Sequential"]
