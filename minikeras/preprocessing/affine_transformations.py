"""The image transforms of ImageDataGenerator, as small pure functions (the specification is
Keras 2.15.0's keras/src/preprocessing/image.py, the last Keras 2).

An affine transform maps each OUTPUT pixel (r, c) back to the input position it samples:
    [r_in, c_in, 1] = M_center @ [r, c, 1],   M = rotation @ shift @ shear @ zoom,
    M_center = offset(+center) @ M @ offset(-center), center = (h / 2 - 0.5, w / 2 - 0.5),
with M's two spatial axes swapped (Keras 2.15 builds M in (x, y) order and swaps it to the
array's (row, column) order: M' = P M P), and scipy.ndimage.affine_transform interpolates the
input there (order 1: bilinear), filling positions outside the image by `fill_mode`
("nearest", "constant" with cval, "reflect", "wrap").

A Keras 2.15 quirk kept for equal output: because of that swap, `tx` (ImageDataGenerator's
height shift, scaled by the image height) moves the image along its columns and `ty` (width
shift) along its rows. For square images and equal ranges the distribution is the same.
"""

import numpy as np


def flip_axis(x, axis):
    """x reversed along `axis` (a horizontal flip is the column axis)."""
    return np.flip(np.asarray(x), axis)


def transform_matrix_offset_center(matrix, x, y):
    """`matrix` (3, 3) applied about the image centre, not pixel (0, 0); x, y: height, width."""
    o_x, o_y = float(x) / 2 - 0.5, float(y) / 2 - 0.5
    offset = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return np.dot(np.dot(offset, matrix), reset)


def affine_matrix(theta=0, tx=0, ty=0, shear=0, zx=1, zy=1):
    """rotation(theta degrees) @ shift(tx rows, ty columns) @ shear(degrees) @ zoom(zx, zy),
    skipping the identities; None when every part is the identity."""
    parts = []
    if theta != 0:
        t = np.deg2rad(theta)
        parts.append(np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]]))
    if tx != 0 or ty != 0:
        parts.append(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]]))
    if shear != 0:
        s = np.deg2rad(shear)
        parts.append(np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        parts.append(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    if not parts:
        return None
    matrix = parts[0]
    for part in parts[1:]:
        matrix = np.dot(matrix, part)
    return matrix


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=0, col_axis=1,
                           channel_axis=2, fill_mode="nearest", cval=0.0, order=1):
    """One image x (3-D, channels first or last) moved by the affine transform above."""
    if x.ndim != 3:
        raise ValueError(f"Input arrays must be multi-channel 2D images; got shape {x.shape}.")
    if sorted((row_axis, col_axis, channel_axis)) != [0, 1, 2] or channel_axis not in (0, 2):
        raise ValueError("'row_axis', 'col_axis' and 'channel_axis' must be 0, 1, 2 in some "
                         "order, with channels first or last.")
    matrix = affine_matrix(theta, tx, ty, shear, zx, zy)
    if matrix is None:
        return x
    from scipy import ndimage  # imported on first use: `import minikeras` stays light
    h, w = x.shape[row_axis], x.shape[col_axis]
    matrix = transform_matrix_offset_center(matrix, h, w)
    channels = np.moveaxis(x, channel_axis, 0)
    if col_axis > row_axis:  # Keras 2.15: M' = P M P, P swapping the two spatial axes
        matrix[:, [0, 1]] = matrix[:, [1, 0]]
        matrix[[0, 1]] = matrix[[1, 0]]
    out = [ndimage.affine_transform(c, matrix[:2, :2], matrix[:2, 2], order=order,
                                    mode=fill_mode, cval=cval) for c in channels]
    return np.moveaxis(np.stack(out, axis=0), 0, channel_axis)


def apply_channel_shift(x, intensity, channel_axis=0):
    """Every channel plus `intensity`, clipped to x's original [min, max]."""
    channels = np.moveaxis(x, channel_axis, 0)
    low, high = np.min(channels), np.max(channels)
    shifted = [np.clip(c + intensity, low, high) for c in channels]
    return np.moveaxis(np.stack(shifted, axis=0), 0, channel_axis)
