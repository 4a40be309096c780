"""Keras 2's ImageDataGenerator: random augmentation and normalization of image batches.

Keras 3 removed it (its replacement is preprocessing layers). The specification is the last
Keras 2, 2.15.0 (keras/src/preprocessing/image.py: ImageDataGenerator, Iterator,
NumpyArrayIterator): with the same seed the batches here are the ones it gives
(tests/preprocessing). keras-preprocessing 1.1.2, which earlier Keras 2 releases wrapped,
differs in two places fixed later: it rotates/zooms about (h/2 + 0.5, w/2 + 0.5) and does not
swap the matrix's axes.

    datagen = ImageDataGenerator(rotation_range=15, width_shift_range=0.1, horizontal_flip=True)
    datagen.fit(x_train)                       # only for featurewise_* and zca_whitening
    model.fit(datagen.flow(x_train, y_train, batch_size=32, seed=1), epochs=...)

Randomness, as Keras 2: `flow(seed=s)` reseeds NumPy's global generator with
s + (batches drawn so far) before each batch, so a seeded flow repeats exactly; without a seed
the draws come from `np.random` (seed it for repeatable runs). Per image the parameters are
drawn in this order: rotation, height shift, width shift, shear, zoom (two values), horizontal
flip, vertical flip, channel shift.
Not here: brightness_range (needs PIL), flow_from_directory / flow_from_dataframe, save_to_dir.
"""

import warnings

import numpy as np

from .. import config
from ..utils.py_dataset import PyDataset
from .affine_transformations import apply_affine_transform, apply_channel_shift, flip_axis


class ImageDataGenerator:
    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, rotation_range=0, width_shift_range=0.0,
                 height_shift_range=0.0, brightness_range=None, shear_range=0.0, zoom_range=0.0,
                 channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None,
                 data_format=None, validation_split=0.0, interpolation_order=1,
                 dtype=None):
        if brightness_range is not None:
            raise NotImplementedError("`brightness_range` is not supported by minikeras's "
                                      "ImageDataGenerator (Keras 2 needed PIL for it).")
        if fill_mode not in ("nearest", "constant", "reflect", "wrap"):
            raise ValueError(f"`fill_mode` must be 'nearest', 'constant', 'reflect' or 'wrap'; "
                             f"got fill_mode={fill_mode!r}.")
        data_format = data_format or config.image_data_format()  # Keras 2's wrapper did this
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError('`data_format` should be `"channels_last"` (channel after row and '
                             'column) or `"channels_first"` (channel before row and column). '
                             f"Received: {data_format}")
        if validation_split and not 0 < validation_split < 1:
            raise ValueError("`validation_split` must be strictly between 0 and 1.  Received: "
                             f"{validation_split}")
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening, self.zca_epsilon = zca_whitening, zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range, self.height_shift_range = width_shift_range, height_shift_range
        self.shear_range, self.channel_shift_range = shear_range, channel_shift_range
        self.fill_mode, self.cval = fill_mode, cval
        self.horizontal_flip, self.vertical_flip = horizontal_flip, vertical_flip
        self.rescale, self.preprocessing_function = rescale, preprocessing_function
        self.dtype = dtype or config.floatx()
        self.interpolation_order = interpolation_order
        self.data_format = data_format
        # axes of a batch (n, ...); an image's own axes are one less
        self.channel_axis, self.row_axis, self.col_axis = (
            (3, 1, 2) if data_format == "channels_last" else (1, 2, 3))
        self._validation_split = validation_split
        self.mean = self.std = self.zca_whitening_matrix = None
        self.zoom_range = _zoom_range(zoom_range)
        self._resolve_implied_settings()

    def _resolve_implied_settings(self):
        """Keras 2's overrides: whitening and std normalization imply centering."""
        if self.zca_whitening:
            if not self.featurewise_center:
                self.featurewise_center = True
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, which "
                              "overrides setting of `featurewise_center`.", stacklevel=3)
            if self.featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn("This ImageDataGenerator specifies `zca_whitening` which "
                              "overrides setting of`featurewise_std_normalization`.",
                              stacklevel=3)
        if self.featurewise_std_normalization and not self.featurewise_center:
            self.featurewise_center = True
            warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, "
                          "which overrides setting of `featurewise_center`.", stacklevel=3)
        if self.samplewise_std_normalization and not self.samplewise_center:
            self.samplewise_center = True
            warnings.warn("This ImageDataGenerator specifies `samplewise_std_normalization`, "
                          "which overrides setting of `samplewise_center`.", stacklevel=3)

    # ---- the batches ---------------------------------------------------------------------
    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None,
             save_to_dir=None, save_prefix="", save_format="png", ignore_class_split=False,
             subset=None):
        """A NumpyArrayIterator (a PyDataset, and an endless Python iterator) of augmented
        batches: x, (x, y) or (x, y, sample_weight)."""
        if save_to_dir is not None:
            raise NotImplementedError("`save_to_dir` is not supported by minikeras.")
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle,
                                  sample_weight=sample_weight, seed=seed,
                                  ignore_class_split=ignore_class_split, subset=subset)

    def standardize(self, x):
        """Normalize one image or a batch, in place where it can (as Keras 2): rescale, then
        samplewise and featurewise centering/scaling, then ZCA whitening."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is None:
                _warn_not_fit("featurewise_center")
            else:
                x -= self.mean
        if self.featurewise_std_normalization:
            if self.std is None:
                _warn_not_fit("featurewise_std_normalization")
            else:
                x /= self.std + 1e-6
        if self.zca_whitening:
            if self.zca_whitening_matrix is None:
                _warn_not_fit("zca_whitening")
            else:
                flat = x.reshape(-1, np.prod(x.shape[-3:]))
                x = np.reshape(flat @ self.zca_whitening_matrix, x.shape)
        return x

    def get_random_transform(self, img_shape, seed=None):
        """The random parameters for one image (see the module docstring for the order)."""
        img_row_axis, img_col_axis = self.row_axis - 1, self.col_axis - 1
        if seed is not None:
            np.random.seed(seed)
        theta = (np.random.uniform(-self.rotation_range, self.rotation_range)
                 if self.rotation_range else 0)
        tx = _shift(self.height_shift_range, img_shape[img_row_axis])
        ty = _shift(self.width_shift_range, img_shape[img_col_axis])
        shear = np.random.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = (np.random.random() < 0.5) * self.horizontal_flip
        flip_vertical = (np.random.random() < 0.5) * self.vertical_flip
        channel_shift = None
        if self.channel_shift_range != 0:
            channel_shift = np.random.uniform(-self.channel_shift_range, self.channel_shift_range)
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_horizontal, "flip_vertical": flip_vertical,
                "channel_shift_intensity": channel_shift, "brightness": None}

    def apply_transform(self, x, params):
        """One image moved by `params`: the affine part, channel shift, then the flips."""
        row, col, channel = self.row_axis - 1, self.col_axis - 1, self.channel_axis - 1
        x = apply_affine_transform(x, params.get("theta", 0), params.get("tx", 0),
                                   params.get("ty", 0), params.get("shear", 0),
                                   params.get("zx", 1), params.get("zy", 1), row_axis=row,
                                   col_axis=col, channel_axis=channel, fill_mode=self.fill_mode,
                                   cval=self.cval, order=self.interpolation_order)
        if params.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, params["channel_shift_intensity"], channel)
        if params.get("flip_horizontal", False):
            x = flip_axis(x, col)
        if params.get("flip_vertical", False):
            x = flip_axis(x, row)
        return x

    def random_transform(self, x, seed=None):
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    # ---- statistics for featurewise normalization -----------------------------------------
    def fit(self, x, augment=False, rounds=1, seed=None):
        """Per-channel mean and std (and ZCA's whitening matrix) of the images x (n, h, w, c)."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"Input to `.fit()` should have rank 4. Got array with shape: "
                             f"{x.shape}")
        if x.shape[self.channel_axis] not in (1, 3, 4):
            warnings.warn(f'Expected input to be images (as Numpy array) following the data '
                          f'format convention "{self.data_format}" (channels on axis '
                          f'{self.channel_axis}), i.e. expected either 1, 3 or 4 channels on '
                          f'axis {self.channel_axis}. However, it was passed an array with '
                          f'shape {x.shape} ({x.shape[self.channel_axis]} channels).',
                          stacklevel=2)
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            augmented = np.zeros((rounds * x.shape[0],) + x.shape[1:], dtype=self.dtype)
            for r in range(rounds):
                for i in range(x.shape[0]):
                    augmented[i + r * x.shape[0]] = self.random_transform(x[i])
            x = augmented
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        spatial = (0, self.row_axis, self.col_axis)
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=spatial), shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=spatial), shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            # W = U diag(sqrt(n) / (s + eps)) U^T from the SVD flat^T = U diag(s) V^T, i.e.
            # ~ Sigma^(-1/2) for the covariance Sigma = flat^T flat / n
            n = len(x)
            flat = np.reshape(x, (n, -1))
            u, s, _ = np.linalg.svd(flat.T, full_matrices=False)
            self.zca_whitening_matrix = (u * (np.sqrt(n) / (s + self.zca_epsilon))).dot(u.T)


class NumpyArrayIterator(PyDataset):
    """Batches of (augmented, standardized) images from arrays; index it (a PyDataset, as
    fit reads it) or call next() forever (as Keras 2's fit_generator did)."""

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False,
                 sample_weight=None, seed=None, ignore_class_split=False, subset=None):
        super().__init__()
        gen = image_data_generator
        self.dtype = gen.dtype
        if y is not None and len(x) != len(y):
            raise ValueError(f"`x` (images tensor) and `y` (labels) should have the same "
                             f"length. Found: x.shape = {np.asarray(x).shape}, y.shape = "
                             f"{np.asarray(y).shape}")
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError("`x` (images tensor) and `sample_weight` should have the same "
                             f"length. Found: x.shape = {np.asarray(x).shape}, "
                             f"sample_weight.shape = {np.asarray(sample_weight).shape}")
        if subset is not None:  # Keras 2: the FIRST validation_split part is the validation
            if subset not in ("training", "validation"):
                raise ValueError(f"Invalid subset name: {subset!r}; expected 'training' or "
                                 "'validation'.")
            cut = int(len(x) * gen._validation_split)
            if (y is not None and not ignore_class_split
                    and not np.array_equal(np.unique(y[:cut]), np.unique(y[cut:]))):
                raise ValueError("Training and validation subsets have different number of "
                                 "classes after the split. If your numpy arrays are sorted by "
                                 "the label, you might want to shuffle them.")
            part = slice(None, cut) if subset == "validation" else slice(cut, None)
            x = x[part]
            y = None if y is None else y[part]
            sample_weight = None if sample_weight is None else sample_weight[part]
        self.x = np.asarray(x, dtype=self.dtype)
        if self.x.ndim != 4:
            raise ValueError(f"Input data in `NumpyArrayIterator` should have rank 4. You "
                             f"passed an array with shape {self.x.shape}")
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator = gen
        self.n, self.batch_size, self.shuffle, self.seed = len(self.x), batch_size, shuffle, seed
        self.batch_index = self.total_batches_seen = 0
        self.index_array = None
        self._index_generator = self._flow_index()

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def _set_index_array(self):
        self.index_array = np.random.permutation(self.n) if self.shuffle else np.arange(self.n)

    def __getitem__(self, idx):
        if idx >= len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has length "
                             f"{len(self)}")
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        indices = self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)]
        return self._batch(indices)

    def on_epoch_end(self):
        self._set_index_array()

    def reset(self):
        self.batch_index = 0

    def _flow_index(self):
        """Keras 2's endless index stream: reshuffle at the start of each pass."""
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            current = (self.batch_index * self.batch_size) % self.n if self.n else 0
            self.batch_index = self.batch_index + 1 if self.n > current + self.batch_size else 0
            self.total_batches_seen += 1
            yield self.index_array[current:current + self.batch_size]

    def __iter__(self):
        return self

    def __next__(self):
        return self._batch(next(self._index_generator))

    next = __next__

    def _batch(self, indices):
        gen = self.image_data_generator
        batch_x = np.zeros((len(indices),) + self.x.shape[1:], dtype=self.dtype)
        for i, j in enumerate(indices):
            params = gen.get_random_transform(self.x[j].shape)
            image = gen.apply_transform(self.x[j].astype(self.dtype), params)
            batch_x[i] = gen.standardize(image)
        if self.y is None:
            return batch_x
        if self.sample_weight is None:
            return batch_x, self.y[indices]
        return batch_x, self.y[indices], self.sample_weight[indices]


def _zoom_range(zoom_range):
    if isinstance(zoom_range, (float, int)):
        return [1 - zoom_range, 1 + zoom_range]
    if len(zoom_range) == 2 and all(isinstance(v, (float, int)) for v in zoom_range):
        return [zoom_range[0], zoom_range[1]]
    raise ValueError("`zoom_range` should be a float or a tuple or list of two floats. "
                     f"Received: {zoom_range}")


def _shift(shift_range, size):
    """One shift in pixels, drawn as Keras 2 draws it: a float range r gives uniform(-r, r)
    (times `size` when r < 1); an int or a list gives one of its values times -1 or +1."""
    if not shift_range:
        return 0
    try:
        shift = np.random.choice(shift_range)
        shift *= np.random.choice([-1, 1])
    except ValueError:  # a float: np.random.choice takes only ints and 1-D arrays
        shift = np.random.uniform(-shift_range, shift_range)
    if np.max(shift_range) < 1:
        shift *= size
    return shift


def _warn_not_fit(setting):
    warnings.warn(f"This ImageDataGenerator specifies `{setting}`, but it hasn't been fit on "
                  "any training data. Fit it first by calling `.fit(numpy_data)`.", stacklevel=3)
