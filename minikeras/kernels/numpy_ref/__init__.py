"""Reference kernels: plain NumPy, written to read like the equations."""
