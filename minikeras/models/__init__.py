"""Models, at the names `keras.models` uses."""

from ..saving import load_model, model_from_json, save_model
from .sequential import Sequential

__all__ = ["Sequential", "load_model", "model_from_json", "save_model"]
