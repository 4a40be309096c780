"""Parity cases for the convolution, pooling, embedding and normalization layers, and the
recurrent layers at the sizes that run their GEMM loops (kernels/plan.py).

Each case is a small model around the layers it names, with the arguments it names (padding,
strides, dilation, groups, data_format, mask_zero, BatchNormalization in training and
inference), run through `suite.model_rows`: each layer's forward output (inference), the loss
and every gradient (training mode: BatchNormalization uses the batch's statistics), one
optimizer step and a 20-step trajectory, against Keras with the same weights and data.
channels_first convolutions are not among them: Keras on TensorFlow's CPU cannot run them
("The Conv2D op currently only supports the NHWC tensor format on the CPU"); the layer tests
show minikeras's channels_first equals its channels_last on transposed data.
A Dense or Conv right before BatchNormalization has no bias: its gradient would be exactly 0
(the normalization removes it), so Adam's step would follow float32 rounding noise.
Weights start from the layers' initializers, then biases, betas, gammas and moving statistics
are randomized so that every term of the formulas is non-trivial.
"""

import numpy as np


def _randomize(model, rng):
    for v in model.weights:
        if v.name in ("gamma", "moving_variance"):
            v.assign(rng.uniform(0.5, 1.5, v.shape).astype(v.dtype))
        elif v.name in ("bias", "beta", "moving_mean"):
            v.assign(rng.uniform(-0.3, 0.3, v.shape).astype(v.dtype))


def _case(name, input_shape, layers, head, loss="mean_squared_error", optimizer="adam",
          data="normal", batch_size=8, dtypes=("float32", "float64")):
    """A case(dtype) running model_rows on Input(input_shape) -> layers -> head (no rows for a
    dtype not in `dtypes`)."""

    def case(dtype):
        if dtype not in dtypes:
            return []
        import minikeras
        from minikeras import layers as L

        from .suite import model_rows

        np.random.seed(3)
        rng = np.random.default_rng(11)
        built = [getattr(L, cls)(**kwargs) for cls, kwargs in layers + head]
        model = minikeras.Sequential([minikeras.Input(input_shape), *built])
        model.compile(loss=loss, optimizer=optimizer)
        _randomize(model, rng)
        n = 24
        if data == "indices":  # trailing zeros: padding that mask_zero masks out
            x = rng.integers(1, 30, size=(n, *input_shape))
            steps = input_shape[0]
            for i in range(n):
                x[i, steps - i % (steps - 1):] = 0  # 0 to steps-2 pads, one real step at least
            x = x.astype(dtype)
        else:
            x = rng.normal(size=(n, *input_shape)).astype(dtype)
        out = model.output_shape[-1]
        if loss == "categorical_crossentropy":
            y = np.eye(out)[rng.integers(0, out, n)]
        elif loss == "binary_crossentropy":
            y = rng.integers(0, 2, size=(n, out)).astype("float64")
        else:
            y = rng.normal(size=(n, out))
        return model_rows(name, model, x, y.astype(dtype), dtype, batch_size=batch_size)

    return case


DENSE1 = [("Dense", {"units": 1})]
FLAT1 = [("Flatten", {}), ("Dense", {"units": 1})]

CASES = {
    "Conv1D valid strides=2": _case(
        "Conv1D valid strides=2", (9, 3),
        [("Conv1D", {"filters": 4, "kernel_size": 3, "strides": 2, "activation": "relu"})],
        FLAT1),
    "Conv1D same dilation=2 + MaxPooling1D same + GlobalAveragePooling1D": _case(
        "Conv1D same dilation=2 + MaxPooling1D same + GlobalAveragePooling1D", (10, 4),
        [("Conv1D", {"filters": 4, "kernel_size": 3, "padding": "same", "dilation_rate": 2,
                     "activation": "tanh"}),
         ("MaxPooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}),
         ("GlobalAveragePooling1D", {})], DENSE1),
    "Conv1D causal groups=2 + AveragePooling1D + GlobalMaxPooling1D": _case(
        "Conv1D causal groups=2 + AveragePooling1D + GlobalMaxPooling1D", (8, 4),
        [("Conv1D", {"filters": 6, "kernel_size": 3, "padding": "causal", "groups": 2}),
         ("AveragePooling1D", {"pool_size": 2}), ("GlobalMaxPooling1D", {})], DENSE1),
    "Conv1D no bias + MaxPooling1D channels_first": _case(
        "Conv1D no bias + MaxPooling1D channels_first", (9, 3),
        [("Conv1D", {"filters": 4, "kernel_size": 2, "use_bias": False}),
         ("MaxPooling1D", {"pool_size": 2, "data_format": "channels_first"})], FLAT1),
    "Conv2D x2 relu + MaxPooling2D (mnist_cnn)": _case(
        "Conv2D x2 relu + MaxPooling2D (mnist_cnn)", (8, 8, 1),
        [("Conv2D", {"filters": 4, "kernel_size": (3, 3), "activation": "relu"}),
         ("Conv2D", {"filters": 6, "kernel_size": (3, 3), "activation": "relu"}),
         ("MaxPooling2D", {"pool_size": (2, 2)}), ("Flatten", {})],
        [("Dense", {"units": 3, "activation": "softmax"})], loss="categorical_crossentropy"),
    "Conv2D same strides=(2,1) + AveragePooling2D same + GlobalAveragePooling2D": _case(
        "Conv2D same strides=(2,1) + AveragePooling2D same + GlobalAveragePooling2D", (7, 6, 3),
        [("Conv2D", {"filters": 4, "kernel_size": (3, 2), "strides": (2, 1),
                     "padding": "same"}),
         ("AveragePooling2D", {"pool_size": (2, 2), "strides": (1, 2), "padding": "same"}),
         ("GlobalAveragePooling2D", {})], DENSE1),
    "Conv2D dilation=(2,1) groups=2 + GlobalMaxPooling2D channels_first": _case(
        "Conv2D dilation=(2,1) groups=2 + GlobalMaxPooling2D channels_first", (9, 8, 4),
        [("Conv2D", {"filters": 6, "kernel_size": (2, 3), "dilation_rate": (2, 1), "groups": 2,
                     "activation": "sigmoid"}),
         ("GlobalMaxPooling2D", {"data_format": "channels_first"})], DENSE1),
    "Conv3D same + MaxPooling3D + AveragePooling3D": _case(
        "Conv3D same + MaxPooling3D + AveragePooling3D", (5, 5, 4, 2),
        [("Conv3D", {"filters": 3, "kernel_size": 2, "padding": "same", "activation": "relu"}),
         ("MaxPooling3D", {"pool_size": 2, "padding": "same"}),
         ("AveragePooling3D", {"pool_size": (2, 1, 2), "strides": 1})], FLAT1,
        dtypes=("float32",)),  # TensorFlow's CPU MaxPool3D has no float64 kernel
    "GlobalAveragePooling2D keepdims + GlobalMaxPooling1D keepdims": _case(
        "GlobalAveragePooling2D keepdims + GlobalMaxPooling1D keepdims", (4, 5, 3),
        [("GlobalAveragePooling2D", {"keepdims": True}), ("Reshape", {"target_shape": (1, 3)}),
         ("GlobalMaxPooling1D", {"keepdims": True})], FLAT1),
    "ConvLSTM2D same return_sequences + BatchNormalization + Conv3D (conv_lstm.py)": _case(
        "ConvLSTM2D same return_sequences + BatchNormalization + Conv3D (conv_lstm.py)",
        (4, 5, 5, 1),
        [("ConvLSTM2D", {"filters": 3, "kernel_size": 3, "padding": "same",
                         "return_sequences": True}),
         ("BatchNormalization", {}),
         ("Conv3D", {"filters": 1, "kernel_size": 3, "padding": "same",
                     "activation": "sigmoid"}),
         ("GlobalMaxPooling3D", {})], DENSE1),
    "ConvLSTM2D strides=2 -> ConvLSTM1D go_backwards + GlobalAveragePooling1D": _case(
        "ConvLSTM2D strides=2 -> ConvLSTM1D go_backwards + GlobalAveragePooling1D", (3, 7, 6, 2),
        [("ConvLSTM2D", {"filters": 3, "kernel_size": (3, 2), "strides": 2,
                         "return_sequences": True}),
         ("Reshape", {"target_shape": (3, 9, 3)}),
         ("ConvLSTM1D", {"filters": 2, "kernel_size": 2, "go_backwards": True}),
         ("GlobalAveragePooling1D", {})], DENSE1),
    "Embedding -> LSTM": _case(
        "Embedding -> LSTM", (6,),
        [("Embedding", {"input_dim": 30, "output_dim": 4}), ("LSTM", {"units": 3})],
        [("Dense", {"units": 1, "activation": "sigmoid"})], loss="binary_crossentropy",
        data="indices"),
    "Embedding mask_zero -> GRU -> LSTM": _case(
        "Embedding mask_zero -> GRU -> LSTM", (6,),
        [("Embedding", {"input_dim": 30, "output_dim": 4, "mask_zero": True}),
         ("GRU", {"units": 3, "return_sequences": True}), ("LSTM", {"units": 3})],
        DENSE1, data="indices", optimizer="sgd"),
    "GRU -> GRU reset_after=False -> LSTM (GEMM loops)": _case(
        "GRU -> GRU reset_after=False -> LSTM (GEMM loops)", (7, 5),
        [("GRU", {"units": 24, "return_sequences": True}),
         ("GRU", {"units": 24, "reset_after": False, "return_sequences": True,
                  "activation": "relu"}),
         ("LSTM", {"units": 16})], DENSE1),
    "LSTM(128), batch 24 (GEMM loop in row blocks)": _case(
        # three 8-row blocks per step where OpenBLAS has small-matrix kernels (kernels/plan.py:
        # SMALL_GEMM_MACS), a 16-row and an 8-row one elsewhere
        "LSTM(128), batch 24 (GEMM loop in row blocks)", (5, 6),
        [("LSTM", {"units": 128})], DENSE1, batch_size=24),
    "Embedding mask_zero -> GlobalAveragePooling1D": _case(
        "Embedding mask_zero -> GlobalAveragePooling1D", (6,),
        [("Embedding", {"input_dim": 30, "output_dim": 5, "mask_zero": True}),
         ("GlobalAveragePooling1D", {})], DENSE1, data="indices", optimizer="rmsprop"),
    "BatchNormalization (Dense features)": _case(
        "BatchNormalization (Dense features)", (5,),
        [("Dense", {"units": 6, "use_bias": False}), ("BatchNormalization", {}),
         ("Activation", {"activation": "relu"})],
        DENSE1),
    "BatchNormalization axis=1 momentum=0.9 epsilon=0.01 center=False": _case(
        "BatchNormalization axis=1 momentum=0.9 epsilon=0.01 center=False", (3, 5, 4),
        [("BatchNormalization", {"axis": 1, "momentum": 0.9, "epsilon": 0.01,
                                 "center": False})], FLAT1),
    "BatchNormalization scale=False (Conv1D)": _case(
        "BatchNormalization scale=False (Conv1D)", (7, 3),
        [("Conv1D", {"filters": 4, "kernel_size": 2, "use_bias": False}),
         ("BatchNormalization", {"scale": False})], FLAT1),
    "LayerNormalization axis=-1 + axis=[1,2] scale=False": _case(
        "LayerNormalization axis=-1 + axis=[1,2] scale=False", (5, 4),
        [("LayerNormalization", {}), ("Dense", {"units": 3}),
         ("LayerNormalization", {"axis": [1, 2], "scale": False, "epsilon": 1e-5})], FLAT1),
}


def cases():
    """{"layer <name>": case} for parity/suite.py."""
    return {f"layer {name}": case for name, case in CASES.items()}
