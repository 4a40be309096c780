"""Keras 2's `keras.preprocessing`:
sequence.pad_sequences, text.Tokenizer, image.ImageDataGenerator.

Keras 3 keeps only `pad_sequences` here; the text and image helpers follow Keras 2's
keras-preprocessing 1.1.2 (the version Keras 2.3-2.15 shipped), which Keras 3 removed.
"""

from . import image, sequence, text  # noqa: F401
