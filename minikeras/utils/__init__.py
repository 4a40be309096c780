"""Utilities: seeding, progress bars, data checks, as `keras.utils` exposes them."""
