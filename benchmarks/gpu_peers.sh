#!/bin/bash
# The GPU columns: Keras/JAX and PyTorch on the device machine's GPU, the same workloads.
# Run there from the repository root, with the wheels of keras and its pure-Python
# dependencies carried in .venv/bench_wheels (pip installs only what is missing):
#     bash benchmarks/gpu_peers.sh        (results: $OUT/*.jsonl, one BENCH record a line)
# Then, if numba is installed there, minikeras and PyTorch on 2 CPU cores (taskset) of the
# same machine, for the CPU ratios on one machine.
OUT=${OUT:-/tmp/bench_out}
mkdir -p "$OUT"
export PYTHONWARNINGS=ignore TF_CPP_MIN_LOG_LEVEL=3 PYTHONPATH=$PWD
python -V; nvidia-smi -L; nproc
python -m pip install -q --no-deps --target /tmp/kw .venv/bench_wheels/*-none-any.whl \
    2>&1 | tail -2
python -c "import optree, ml_dtypes, h5py" 2>&1 | tail -1
export PYTHONPATH=$PWD:/tmp/kw
python -c "import jax, keras; print('jax', jax.__version__, jax.devices(), 'keras', keras.__version__)"
python -c "import torch; print('torch', torch.__version__, torch.cuda.is_available())"
TASKS="W1 W2 W3 W4 W5 W6 predict"
if [ -z "$SKIP_TORCH" ]; then
    BENCH_DEVICE=cuda timeout 170 python -m benchmarks.worker torch $TASKS --repeats 2 \
        > "$OUT/torch_gpu.jsonl"
fi
if python -c "import optree" 2>/dev/null; then
    KERAS_BACKEND=jax timeout 230 python -m benchmarks.worker keras-jax $TASKS --repeats 1 \
        > "$OUT/keras_jax_gpu.jsonl"
fi
# Keras on its torch backend needs no optree (torchtree): the Keras column where JAX cannot run
KERAS_BACKEND=torch timeout 300 python -m benchmarks.worker keras-torch $TASKS --repeats 1 \
    > "$OUT/keras_torch_gpu.jsonl"
if [ -z "$SKIP_CPU" ] && python -c "import numba" 2>/dev/null; then
    export OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 CUDA_VISIBLE_DEVICES=
    MINIKERAS_KERNELS=numba timeout 60 taskset -c 0,1 python -m benchmarks.worker minikeras \
        W1 W6 --repeats 1 > "$OUT/minikeras_cpu2.jsonl"
    BENCH_DEVICE=cpu timeout 90 taskset -c 0,1 python -m benchmarks.worker torch W1 W6 \
        --repeats 1 > "$OUT/torch_cpu2.jsonl"
fi
wc -l "$OUT"/*.jsonl
