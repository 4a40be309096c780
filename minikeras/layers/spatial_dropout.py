"""SpatialDropout1D: Dropout that drops whole feature channels, for every timestep at once.

Forward (x: (batch, timesteps, channels)):
    keep  = u >= rate                       u ~ U[0, 1) of shape (batch, 1, channels)
    y     = where(keep, x * (1 / (1 - rate)), 0)     training; y = x in inference
Backward: dx = where(keep, dy * (1 / (1 - rate)), 0)   (keep broadcast over the timesteps)
Keras's signature and config are narrower than Dropout's: `(rate, seed=None, name=None,
dtype=None)`, and `get_config()` gives only rate, seed, name and the dtype name.
"""

from .dropout import Dropout


class SpatialDropout1D(Dropout):
    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)

    def check_input(self, x):
        self.compute_output_shape(x.shape)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             f"expected ndim=3 (batch, timesteps, channels), found "
                             f"ndim={len(input_shape)}. Full shape received: "
                             f"{tuple(input_shape)}")
        return tuple(input_shape)

    def noise_shape_for(self, x):
        return (x.shape[0], 1, x.shape[2])

    def get_config(self):
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}
