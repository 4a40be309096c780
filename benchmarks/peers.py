"""The libraries compared. Each peer builds a workload's model and times fit and predict.

KerasAPI serves minikeras and Keras alike (the same Sequential code, `lib` is the module);
TorchPeer writes the same models in plain PyTorch (nn.Sequential of Linear, Conv2d, MaxPool2d,
Embedding and nn.LSTM layers, Adam, the same losses, a DataLoader-free shuffled batch loop).
A peer whose library is missing raises `Skipped` at construction; the worker reports it as
skipped.
"""

import importlib
import os
import resource
import time

import numpy as np


class Skipped(Exception):
    """This peer cannot run here (its library is not installed)."""


def rss_mb():
    """The current resident set size in MiB (Linux /proc), or the peak where /proc is absent."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20
    except OSError:
        return peak_rss_mb()


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class KerasAPI:
    """minikeras (name "minikeras"/"minikeras-numpy") or Keras (name "keras-<backend>")."""

    def __init__(self, name):
        self.name = name
        if name.startswith("keras-"):
            backend = name.split("-", 1)[1]
            if os.environ.get("KERAS_BACKEND") != backend:
                raise Skipped(f"KERAS_BACKEND is not {backend!r}")
            for module in {"tensorflow": ["tensorflow"], "jax": ["jax"],
                           "torch": ["torch"]}.get(backend, []):
                try:
                    importlib.import_module(module)
                except ImportError as err:
                    raise Skipped(f"{module} is not installed") from err
            import keras as lib

            self.version = f"keras {lib.__version__} ({backend})"
            lib.utils.set_random_seed(7)
        else:
            import minikeras as lib

            self.version = f"minikeras ({lib.kernels.KERNELS} kernels)"
        self.lib = lib

    def _recurrent(self, kind, units):
        """LSTM(units) or GRU(units) (Keras's defaults: the GRU's reset_after=True, as
        PyTorch's nn.GRU computes)."""
        name = {"lstm": "LSTM", "gru": "GRU"}[kind]
        found = getattr(self.lib.layers, name, None)
        if found is None:  # minikeras before layers/__init__ exports it
            from minikeras.layers import rnn
            found = getattr(rnn, name)
        return found(units)

    def build(self, workload):
        np.random.seed(7)
        layers = self.lib.layers
        model = self.lib.Sequential([self.lib.Input(shape=workload.x_shape[1:])])
        for spec in workload.layers:
            if spec[0] == "dense":
                model.add(layers.Dense(spec[1], activation=spec[2]))
            elif spec[0] == "dropout":
                model.add(layers.Dropout(spec[1]))
            elif spec[0] == "conv2d":
                model.add(layers.Conv2D(spec[1], (spec[2], spec[2]), activation=spec[3]))
            elif spec[0] == "maxpool2d":
                model.add(layers.MaxPooling2D((spec[1], spec[1])))
            elif spec[0] == "flatten":
                model.add(layers.Flatten())
            elif spec[0] == "embedding":
                model.add(layers.Embedding(spec[1], spec[2]))
            else:
                model.add(self._recurrent(spec[0], spec[1]))
        model.compile(loss=workload.loss, optimizer="adam", metrics=list(workload.metrics))
        return model

    def fit(self, model, workload, x, y, epochs, callback=None):
        callbacks = [] if callback is None else [self._epoch_callback(callback)]
        model.fit(x, y, batch_size=workload.batch_size, epochs=epochs, verbose=0,
                  validation_split=workload.validation_split, callbacks=callbacks)

    def predict(self, model, x):
        return model.predict(x, verbose=0, batch_size=max(32, min(len(x), 1024)))

    def _epoch_callback(self, fn):
        base = self.lib.callbacks.Callback

        class EpochEnd(base):
            def on_epoch_end(self, epoch, logs=None):
                fn(epoch)

        return EpochEnd()


class TorchPeer:
    """The same workloads in plain PyTorch on the CPU (or the GPU, when BENCH_DEVICE=cuda)."""

    def __init__(self, name):
        self.name = name
        try:
            import torch
        except ImportError as err:
            raise Skipped("torch is not installed") from err
        self.torch = torch
        self.device = os.environ.get("BENCH_DEVICE", "cpu")
        torch.manual_seed(7)
        self.version = f"torch {torch.__version__} ({self.device})"

    def build(self, workload):
        nn = self.torch.nn
        modules = []
        # width: the features, or an image's channels (images go in as NCHW: _inputs)
        width = workload.x_shape[-1]
        side = workload.x_shape[1] if workload.data == "images" else None
        for spec in workload.layers:
            if spec[0] == "dense":
                modules.append(nn.Linear(width, spec[1]))
                width = spec[1]
                modules += _activation(nn, spec[2])  # softmax is folded into the crossentropy
            elif spec[0] == "dropout":
                modules.append(nn.Dropout(spec[1]))
            elif spec[0] == "conv2d":
                modules.append(nn.Conv2d(width, spec[1], spec[2]))
                width, side = spec[1], side - spec[2] + 1
                modules += _activation(nn, spec[3])
            elif spec[0] == "maxpool2d":
                modules.append(nn.MaxPool2d(spec[1]))
                side //= spec[1]
            elif spec[0] == "flatten":
                modules.append(nn.Flatten())
                width = width * side * side
            elif spec[0] == "embedding":
                modules.append(nn.Embedding(spec[1], spec[2]))
                width = spec[2]
            else:
                modules.append(_LastStep(nn, spec[0], width, spec[1]))
                width = spec[1]
        model = nn.Sequential(*modules).to(self.device)
        model.optimizer = self.torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        return model

    def _loss(self, workload):
        nn = self.torch.nn
        return {"binary_crossentropy": nn.BCELoss(), "mse": nn.MSELoss(),
                "categorical_crossentropy": nn.CrossEntropyLoss()}[workload.loss]

    def _inputs(self, x):
        """x as a tensor on the device: images NHWC -> NCHW, word ids as int64."""
        if x.ndim == 4:
            x = x.transpose(0, 3, 1, 2)
        if x.dtype.kind in "iu":
            x = x.astype(np.int64)
        return self.torch.from_numpy(np.ascontiguousarray(x)).to(self.device)

    def _tensors(self, workload, x, y):
        t = self.torch
        xt = self._inputs(x)
        if workload.loss == "categorical_crossentropy":
            yt = t.from_numpy(np.argmax(y, axis=1)).to(self.device)
        else:
            yt = t.from_numpy(np.ascontiguousarray(y.reshape(len(y), -1))).to(self.device)
        return xt, yt

    def fit(self, model, workload, x, y, epochs, callback=None):
        t = self.torch
        n_train = int(len(x) * (1 - workload.validation_split))
        xt, yt = self._tensors(workload, x[:n_train], y[:n_train])
        xv, yv = self._tensors(workload, x[n_train:], y[n_train:]) if n_train < len(x) else (
            None, None)
        loss_fn, bs = self._loss(workload), workload.batch_size
        for epoch in range(epochs):
            model.train()
            order = t.randperm(n_train, device=self.device)
            for start in range(0, n_train, bs):
                idx = order[start:start + bs]
                model.optimizer.zero_grad()
                loss = loss_fn(model(xt[idx]), yt[idx])
                loss.backward()
                model.optimizer.step()
            if xv is not None:
                model.eval()
                with t.no_grad():
                    loss_fn(model(xv), yv).item()
            if self.device != "cpu":
                t.cuda.synchronize()
            if callback is not None:
                callback(epoch)

    def predict(self, model, x):
        t = self.torch
        model.eval()
        with t.no_grad():
            out = model(self._inputs(x))
            return out.cpu().numpy()


def _activation(nn, name):
    """[the module] for a Dense or Conv2D activation; [] for none or softmax (folded into
    CrossEntropyLoss)."""
    found = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}.get(name)
    return [found()] if found is not None else []


class _LastStep:
    """nn.LSTM or nn.GRU (kind "lstm", "gru") returning the last time step, as Keras's
    LSTM/GRU(return_sequences=False)."""

    def __new__(cls, nn, kind, features, units):
        layer = {"lstm": nn.LSTM, "gru": nn.GRU}[kind]

        class LastStep(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = layer(features, units, batch_first=True)

            def forward(self, x):
                return self.rnn(x)[0][:, -1]

        return LastStep()


PEERS = {"minikeras": KerasAPI, "minikeras-numpy": KerasAPI, "keras-tensorflow": KerasAPI,
         "keras-jax": KerasAPI, "keras-torch": KerasAPI, "torch": TorchPeer}
ENV = {"minikeras": {"MINIKERAS_KERNELS": "numba"},
       "minikeras-numpy": {"MINIKERAS_KERNELS": "numpy"},
       "keras-tensorflow": {"KERAS_BACKEND": "tensorflow", "CUDA_VISIBLE_DEVICES": ""},
       "keras-jax": {"KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"},
       "keras-torch": {"KERAS_BACKEND": "torch", "CUDA_VISIBLE_DEVICES": ""},
       "torch": {"BENCH_DEVICE": "cpu"}}


def make_peer(name):
    return PEERS[name](name)


def timed(fn, *args):
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start
