"""RNN: the bookkeeping every recurrent layer shares (SimpleRNN, LSTM, GRU, ...).

A recurrent layer reads `x: (batch, timesteps, features)` one step at a time, carrying states
(`h`, and `c` for the LSTM) from step to step. This base class does everything that is the
same for every cell, so a subclass holds only its weights and its time loop:

    input checks       3-D input, the feature count it was built with, mask and state shapes
    go_backwards       reverses x (and the mask) before the loop; the output stays reversed
    masking            `mask=` (batch, timesteps) bools, or from a preceding Masking layer:
                       a skipped step keeps the states; its output is the previous output
                       (0 with zero_output_for_mask=True)
    states             zeros, `initial_state=[...]`, or (stateful=True) the last call's final
                       states, kept per sample until `reset_state()`
    dropout            Keras's masks, drawn once per call and used at every step
                       (`set_dropout_masks` injects fixed ones, e.g. for parity tests);
                       seed=None draws from NumPy's global RNG, seed=int from the layer's
                       own stream (new masks each call, the same sequence each run)
    outputs            return_sequences -> (batch, timesteps, units), else (batch, units);
                       return_state -> [output, *final_states]
    backward           turns dLoss/d(output) into dLoss/d(every step's output), runs the
                       cell's backprop through time, and un-reverses dx for go_backwards

What a subclass must provide (see simple_rnn.py for the smallest example):
    cell_name                   "lstm_cell": weights live at `<layer>/<cell_name>/<weight>`
    state_size                  list of ints, one per state (LSTM: [units, units])
    state_shapes(batch)         optional: each state's shape, default (batch, size) per
                                state_size; ConvLSTM's states are images (batch, *S, F)
    input_mask_count()          how many input-dropout masks Keras draws (one per gate or 1)
    recurrent_mask_count()      how many recurrent-dropout masks
    build_cell(input_dim)       create the weights with `self.add_weight(...)`
    run_sequence(x, states, mask, input_masks, recurrent_masks)
        x (batch, T, features) in processing order, states list of (batch, s), mask
        (batch, T) 0/1 floats, input_masks (n, batch, features), recurrent_masks
        (n, batch, units) (all ones when there is no dropout).
        Returns (outputs (batch, T, units), final_states list); keeps its cache in self.
    backprop_sequence(doutputs, dfinal_states)
        doutputs (batch, T, units) = dLoss/d(each step's output); dfinal_states list.
        Fills `variable.grad` for each weight; returns (dx (batch, T, features),
        dinitial_states list).
    cell_config()               the cell's get_config keys (units, activation, ...)
Helpers for a cell (cell_utils.py): `input_projection` / `input_projection_backward` (the
x @ kernel + bias of all steps in one matmul, with per-gate dropout masks), `activation_code`
(the integer the kernels take), `check_units`. The time loop itself goes in
kernels/numpy_ref/<topic>.py and its numba twin; `run_sequence` calls `kernels.<loop>`.
`unroll` is accepted and ignored: the time loop is compiled either way.
Not supported: Keras's generic `RNN(cell)` wrapper and custom cells; stacked cells.
"""

import numpy as np

from ...kernels import plan
from ...utils.random import rng_for, validate_seed
from ..base import Layer
from .cell_utils import check_rate, dropout_masks


class RNN(Layer):
    runs_threaded_loops = True
    min_ndim = 3
    supports_masking = True
    accepts_mask = True
    cell_name = "rnn_cell"
    # "lstm", "gru" or "simple_rnn" where the layer has `run_inference` (the inference twins
    # kernels.rnn.lstm_inference, simple_rnn_inference, kernels.gru.gru_inference)
    inference_cell = None

    def __init__(self, dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 zero_output_for_mask=False, **kwargs):
        super().__init__(**kwargs)
        self.dropout = check_rate(dropout, "dropout")
        self.recurrent_dropout = check_rate(recurrent_dropout, "recurrent_dropout")
        self.seed = validate_seed(seed)
        # seed=int: one stream for the layer's life, so each call draws new masks and a rerun
        # draws the same ones (Keras's SeedGenerator); None: NumPy's global RNG.
        self._dropout_rng = rng_for(self.seed) if self.seed is not None else None
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.states = None  # stateful only: the final states of the last call
        self.injected_masks = None
        self.initial_state_grads = None  # dLoss/d(initial_state), after backward

    # ---- weights -------------------------------------------------------------------------
    def add_weight(self, shape, initializer="glorot_uniform", dtype=None, trainable=True,
                   regularizer=None, constraint=None, name=None):
        variable = super().add_weight(shape, initializer, dtype, trainable, regularizer,
                                      constraint, name)
        variable.path = f"{self.path}/{self.cell_name}/{name}"  # Keras's path
        return variable

    def build(self, input_shape):
        self.build_cell(input_shape[-1])
        self.built = True

    # ---- states --------------------------------------------------------------------------
    def state_shapes(self, batch):
        """The shape of each state for a batch: (batch, size) per state_size entry; a cell
        with image-shaped states (ConvLSTM) overrides this."""
        return [(batch, size) for size in self.state_size]

    def get_initial_state(self, batch_size):
        return [np.zeros(shape, self.dtype) for shape in self.state_shapes(batch_size)]

    def reset_state(self):
        """Zero the carried states of a stateful layer (Keras: `layer.reset_state()`)."""
        if self.states is not None:
            self.states = [np.zeros_like(s) for s in self.states]

    def reset_states(self):
        """Alias of `reset_state` (Keras 2's name)."""
        self.reset_state()

    def set_dropout_masks(self, input_masks=None, recurrent_masks=None):
        """Use these dropout masks on every training call until called again with None.

        input_masks: (input_mask_count(), batch, features); recurrent_masks:
        (recurrent_mask_count(), batch, units); values as Keras draws them, 0 or 1/(1-rate).
        For parity with Keras, give its cell the same masks (`cell._dropout_mask`).
        """
        if input_masks is None and recurrent_masks is None:
            self.injected_masks = None
        else:
            self.injected_masks = (input_masks, recurrent_masks)

    # ---- input checks --------------------------------------------------------------------
    def check_sequence(self, x):
        if x.ndim != 3:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             "expected a 3-D input of shape (batch, timesteps, features), but "
                             f"received an input of shape {x.shape} (ndim={x.ndim}).")
        expected = self.built_input_shape
        if self.built and expected is not None and x.shape[-1] != expected[-1]:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             f"expected shape (batch, timesteps, {expected[-1]}), but received "
                             f"an input of shape {x.shape}.")

    def check_input(self, x):
        self.check_sequence(x)

    def _mask_array(self, mask, x):
        if mask is None:
            return np.ones(x.shape[:2], x.dtype)
        mask = np.asarray(mask)
        if mask.ndim == 3 and mask.shape[-1] == 1:
            mask = mask[..., 0]
        if mask.shape != x.shape[:2]:
            raise ValueError(f"`mask` must have shape (batch, timesteps) = {x.shape[:2]} for "
                             f"layer {self.name!r}; received mask of shape {mask.shape}.")
        return mask.astype(bool).astype(x.dtype)

    def _initial_states(self, initial_state, batch):
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) \
                else [initial_state]
            shapes = self.state_shapes(batch)
            if len(states) != len(shapes):
                raise ValueError(f"`initial_state` for layer {self.name!r} must be a list of "
                                 f"{len(shapes)} arrays of shapes {shapes}; received "
                                 f"{len(states)} arrays.")
            states = [np.asarray(s, self.dtype) for s in states]
            for s, shape in zip(states, shapes, strict=True):
                if s.shape != shape:
                    raise ValueError(f"`initial_state` for layer {self.name!r} must have "
                                     f"shapes {shapes}; received {[t.shape for t in states]}.")
            return states
        if self.stateful:
            declared = getattr(self, "declared_batch_size", None)
            if declared is not None and batch != declared:
                raise ValueError(
                    f"Layer {self.name!r} is stateful with a batch size of {declared} (from the "
                    f"model's batch_input_shape / batch_size), but got a batch of {batch} "
                    f"samples. Pass batch_size={declared} to fit / evaluate / predict, with a "
                    f"number of samples divisible by {declared}.")
            if self.states is None:
                self.states = self.get_initial_state(batch)
            if self.states[0].shape[0] != batch:
                raise ValueError("If an RNN is stateful, the batch size of the input sequences "
                                 "must be the same as the batch size of the initial state.\n"
                                 f"- Expected batch size: {self.states[0].shape[0]}\n"
                                 f"- Received batch size: {batch}")
            return self.states
        return self.get_initial_state(batch)

    def _dropout(self, training, x):
        """(input_masks, recurrent_masks) for this call; all ones outside training."""
        batch, features = x.shape[0], x.shape[2:]  # features: (features,), or an image's shape
        units = self.state_shapes(batch)[0][1:]
        n_in, n_rec = self.input_mask_count(), self.recurrent_mask_count()
        inputs = np.ones((n_in, batch, *features), x.dtype)
        recurrent = np.ones((n_rec, batch, *units), x.dtype)
        if not training:
            return inputs, recurrent
        injected_in, injected_rec = self.injected_masks or (None, None)
        rng = self._dropout_rng if self._dropout_rng is not None else rng_for(None)
        if 0.0 < self.dropout < 1.0:
            inputs = (np.asarray(injected_in, x.dtype).reshape(n_in, batch, *features)
                      if injected_in is not None
                      else dropout_masks(rng, n_in, (batch, *features), self.dropout, x.dtype))
        if 0.0 < self.recurrent_dropout < 1.0:
            recurrent = (np.asarray(injected_rec, x.dtype).reshape(n_rec, batch, *units)
                         if injected_rec is not None else
                         dropout_masks(rng, n_rec, (batch, *units), self.recurrent_dropout,
                                       x.dtype))
        return inputs, recurrent

    # ---- the protocol --------------------------------------------------------------------
    def __call__(self, inputs, initial_state=None, mask=None, training=False):
        from ..base import to_numeric_array

        x = to_numeric_array(inputs, self.dtype)
        self.check_sequence(x)
        self.build_from_shape(x.shape)
        self.check_sequence(x)
        return self.forward(x, training=training, mask=mask, initial_state=initial_state)

    def forward(self, x, training=False, mask=None, initial_state=None):
        mask = self._mask_array(mask, x)
        states = self._initial_states(initial_state, x.shape[0])
        input_masks, recurrent_masks = self._dropout(training, x)
        if self.go_backwards:
            x, mask = x[:, ::-1], mask[:, ::-1]
        outputs, final_states = self.run_sequence(np.ascontiguousarray(x), states,
                                                  np.ascontiguousarray(mask), input_masks,
                                                  recurrent_masks)
        if self.stateful:
            self.states = [np.array(s) for s in final_states]
        self._batch, self._steps = x.shape[0], x.shape[1]
        output = outputs if self.return_sequences else outputs[:, -1]
        if self.return_state:
            return [output, *final_states]
        return output

    def infer(self, x, mask=None, initial_state=None):
        """forward(x, training=False) for predict. Without a mask, initial state or carried
        state, with one input projection (no per-gate input masks: an LSTM with
        recurrent_dropout projects gate by gate, other bits), and where kernels/plan.py's
        inference_in_one_call says it computes the same numbers, one compiled call
        (`run_inference`: input projection and time loop) with no cache for backward; else
        forward."""
        batch, steps = x.shape[0], x.shape[1]
        if (self.inference_cell is None or mask is not None or initial_state is not None
                or self.stateful or self.input_mask_count() != 1
                or not plan.inference_in_one_call(
                    self.inference_cell, batch, steps, x.shape[2], self.state_size[0])):
            return self.forward(x, training=False, mask=mask, initial_state=initial_state)
        outputs, final_states = self.run_inference(
            np.ascontiguousarray(x[:, ::-1] if self.go_backwards else x),
            self.get_initial_state(batch))
        output = outputs if self.return_sequences else outputs[:, -1]
        if self.return_state:
            return [output, *final_states]
        return output

    def backward(self, dy):
        """dy: dLoss/d(output), or with return_state a list [doutput, *dstates] (None = 0)."""
        dstates = [None] * len(self.state_size)
        if self.return_state:
            dy, *dstates = dy
        batch = self._batch
        shapes = self.state_shapes(batch)
        doutputs = np.zeros((batch, self._steps, *shapes[0][1:]), self.dtype)
        if dy is not None:
            if self.return_sequences:
                doutputs[...] = dy
            else:
                doutputs[:, -1] = dy
        dstates = [np.zeros(shape, self.dtype) if d is None else np.asarray(d, self.dtype)
                   for d, shape in zip(dstates, shapes, strict=True)]
        dx, self.initial_state_grads = self.backprop_sequence(doutputs, dstates)
        return dx[:, ::-1] if self.go_backwards else dx

    def compute_output_shape(self, input_shape):
        batch, steps = input_shape[0], input_shape[1]
        units = self.state_size[0]
        output = (batch, steps, units) if self.return_sequences else (batch, units)
        if self.return_state:
            return [output, *[(batch, s) for s in self.state_size]]
        return output

    def compute_mask(self, inputs, mask=None):
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    # ---- config --------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update({
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        })
        config.update(self.cell_config())
        return config
