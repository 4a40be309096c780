"""Keras 2's `keras.preprocessing`:
sequence.pad_sequences, text.Tokenizer, image.ImageDataGenerator.

Keras 3 keeps only `pad_sequences` here; the text and image helpers, which Keras 3 removed,
follow the last Keras 2 (2.15.0, keras/src/preprocessing/).
"""

from . import image, sequence, text  # noqa: F401
