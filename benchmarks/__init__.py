"""minikeras benchmarks: the same workloads on minikeras (numba and NumPy paths), Keras on
TensorFlow and JAX, and PyTorch, side by side. Run `python -m benchmarks --help`.

Layout:
    workloads.py   the workloads W1-W9, predict latency and the scaling sweep: data and models
    peers.py       one class per library (minikeras, Keras, PyTorch) that builds and times them
    worker.py      runs one peer's workloads in its own process, prints JSON lines
    machine.py     the machine: CPU, versions, sgemm rate, cold-start costs
    report.py      the table of seconds and ratios, and the plot
    __main__.py    the command line: one worker process per peer, then the report
"""
