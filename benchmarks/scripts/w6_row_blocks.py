"""W6's fit with and without the single-thread row blocks of the LSTM GEMMs.

    python benchmarks/scripts/w6_row_blocks.py blocks      (the default)
    python benchmarks/scripts/w6_row_blocks.py noblocks    (one GEMM per product)

Prints the seconds of 3 timed fits (5 epochs of 4000 x 30 x 8 -> LSTM(64) -> Dense(1), mse,
adam, batch 64) after a warm-up, the thread count kernels/plan.py picked and the load. See
kernels/numba_fast/blocks.py for why the blocks exist; NUMBA_NUM_THREADS caps the threads.
"""

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from minikeras import Input, Sequential  # noqa: E402
from minikeras.kernels import plan  # noqa: E402
from minikeras.layers import LSTM, Dense  # noqa: E402


def main(mode):
    with plan.forced(block_limit=10**15 if mode == "noblocks" else None):
        fit_three_times(mode)


def fit_three_times(mode):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4000, 30, 8)).astype("float32")
    y = rng.standard_normal((4000, 1)).astype("float32")
    np.random.seed(1)
    model = Sequential([Input((30, 8)), LSTM(64), Dense(1)])
    model.compile("adam", "mse")
    model.fit(x[:128], y[:128], epochs=1, batch_size=64, verbose=0)
    seconds = []
    for _ in range(3):
        start = time.perf_counter()
        model.fit(x, y, epochs=5, batch_size=64, verbose=0)
        seconds.append(time.perf_counter() - start)
    print(mode, "W6 fit seconds:", [round(s, 2) for s in seconds], "threads now:",
          plan.choose("lstm", 64, 64).threads, "load:", os.getloadavg())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "blocks")
