"""One peer, one process: `python -m benchmarks.worker PEER TASK... [--quick] [--repeats N]`.

Tasks: workload ids (W1..W9), "predict" (one sample and 10,000 samples on W1's, W6's and W9's
models) and "scaling" (the sweep). Each result is one line on stdout, "BENCH {json}":
    {"peer", "task", "status": "ok" | "skipped" | "error", "seconds": median, "times": [...],
     "rss_mb": after the task, "peak_rss_mb": the process's peak so far,
     "rss_epochs_mb": RSS at each epoch end (memory growth), "version", "reason"}
Timing: a warm-up fit on a few batches (compilation, tracing, caches), then `repeats` timed
fits of the whole workload on the same model; the median is reported.
"""

import argparse
import json
import statistics
import sys
import traceback

import numpy as np

from . import peers as peers_module
from .workloads import scaling_points, scaling_workload, workloads


def emit(record):
    print("BENCH " + json.dumps(record), flush=True)


def time_workload(peer, workload, repeats, record_memory=False):
    x, y = workload.arrays()
    model = peer.build(workload)
    warm = max(workload.batch_size * 3, 8)
    peer.fit(model, workload, x[:warm], y[:warm], 1)
    rss_epochs = []
    callback = (lambda epoch: rss_epochs.append(round(peers_module.rss_mb(), 1))
                ) if record_memory else None
    times = [peers_module.timed(peer.fit, model, workload, x, y, workload.epochs, callback)
             for _ in range(repeats)]
    return {"seconds": statistics.median(times), "times": times,
            "rss_epochs_mb": rss_epochs, "samples": len(x), "epochs": workload.epochs,
            "train_flops": workload.train_flops()}


def time_predict(peer, workload, quick):
    x, y = workload.arrays()
    model = peer.build(workload)
    peer.fit(model, workload, x[:workload.batch_size * 2], y[:workload.batch_size * 2], 1)
    one = x[:1]
    many = np.resize(x, (1000 if quick else 10000, *x.shape[1:]))
    for _ in range(3):
        peer.predict(model, one)
    singles = [peers_module.timed(peer.predict, model, one) for _ in range(5 if quick else 30)]
    peer.predict(model, many)
    bulk = [peers_module.timed(peer.predict, model, many) for _ in range(1 if quick else 3)]
    return {"one_sample": statistics.median(singles), "bulk": statistics.median(bulk),
            "bulk_samples": len(many)}


PREDICT_MODELS = ("W1", "W6", "W9")  # the models the "predict" task times


def run_task(peer, task, quick, repeats):
    if task == "predict":
        items = workloads(quick)
        return {w: time_predict(peer, items[w], quick) for w in PREDICT_MODELS}
    if task == "scaling":
        points = {}
        for width, batch in scaling_points(quick):
            w = scaling_workload(width, batch, quick)
            result = time_workload(peer, w, 1)
            points[f"{width}x{batch}"] = {"width": width, "batch_size": batch,
                                          "seconds_per_sample": result["seconds"] / w.x_shape[0]}
        return {"points": points}
    return time_workload(peer, workloads(quick)[task], repeats,
                         record_memory=task in ("W4", "W6", "W7", "W8", "W9"))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.worker")
    parser.add_argument("peer", choices=sorted(peers_module.PEERS))
    parser.add_argument("tasks", nargs="+")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    try:
        peer = peers_module.make_peer(args.peer)
    except peers_module.Skipped as why:
        for task in args.tasks:
            emit({"peer": args.peer, "task": task, "status": "skipped", "reason": str(why)})
        return 0
    for task in args.tasks:
        print(f"[{args.peer}] {task} ...", file=sys.stderr, flush=True)
        record = {"peer": args.peer, "task": task, "version": peer.version}
        try:
            record.update(run_task(peer, task, args.quick, args.repeats), status="ok")
        except peers_module.Skipped as why:  # this peer has no model for this workload
            record.update(status="skipped", reason=str(why))
        except Exception as err:  # one failing workload must not hide the others
            record.update(status="error", reason=f"{type(err).__name__}: {err}",
                          traceback=traceback.format_exc(limit=4))
        record.update(rss_mb=round(peers_module.rss_mb(), 1),
                      peak_rss_mb=round(peers_module.peak_rss_mb(), 1))
        emit(record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
