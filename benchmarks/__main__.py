"""python -m benchmarks: every workload, side by side, one worker process per library.

    python -m benchmarks                      everything (minutes: Keras is slow)
    python -m benchmarks --quick              few epochs, small data (the CI smoke test)
    python -m benchmarks --only W1,W4,predict --peers minikeras,keras-tensorflow
    python -m benchmarks --json out.json --plot out.png

Peers: minikeras (numba kernels), minikeras-numpy (MINIKERAS_KERNELS=numpy, the reference
path), keras-tensorflow, keras-jax and torch (CPU); a missing library is reported as skipped.
Also measured: the sgemm rate (W4's shapes) and the cold-start costs (machine.py).

minikeras on numba is timed with numba's on-disk cache warm: a first worker run (one repeat,
its results dropped) compiles what the tasks need, so the timed worker's peak memory is the
library's, not the compiler's (an edit under minikeras/kernels/ recompiles every kernel:
985 MiB peak RSS against 786 MiB warm, measured). The one-time compile a student pays is the
cold-start section's figure.
"""

import argparse
import json
import os
import subprocess
import sys
import time

from . import machine, report
from .peers import ENV, PEERS

TASKS = ("W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8", "W9", "predict", "scaling")
SECTIONS = ("coldstart", "sgemm")


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="few epochs and small data")
    parser.add_argument("--json", metavar="PATH", help="write every result as JSON")
    parser.add_argument("--plot", metavar="PATH", help="write a PNG (needs matplotlib)")
    parser.add_argument("--only", default=",".join(TASKS + SECTIONS),
                        help="comma-separated tasks and sections (default: all): "
                        + ",".join(TASKS + SECTIONS))
    parser.add_argument("--peers", default=",".join(PEERS),
                        help="comma-separated peers (default: all): " + ",".join(PEERS))
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed repeats per workload (default 3; 1 with --quick)")
    args = parser.parse_args(argv)
    args.only = [t for t in args.only.split(",") if t]
    args.peers = [p for p in args.peers.split(",") if p]
    unknown = [t for t in args.only if t not in TASKS + SECTIONS]
    unknown += [p for p in args.peers if p not in PEERS]
    if unknown:
        parser.error(f"unknown task or peer {unknown}; tasks: {TASKS + SECTIONS}, "
                     f"peers: {tuple(PEERS)}")
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    return args


def progress(done, total, label):
    width = 30
    filled = int(width * done / max(total, 1))
    print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<40}",
          end="", file=sys.stderr, flush=True)


def run_peer(peer, tasks, args, tick):
    """Run one worker process; return {task: record}."""
    command = [sys.executable, "-m", "benchmarks.worker", peer, *tasks,
               "--repeats", str(args.repeats)] + (["--quick"] if args.quick else [])
    env = dict(os.environ, **ENV[peer], TF_CPP_MIN_LOG_LEVEL="3", PYTHONWARNINGS="ignore")
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    records = {}
    with subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True) as proc:
        for line in proc.stdout:
            if line.startswith("BENCH "):
                record = json.loads(line[6:])
                records[record["task"]] = record
                tick(f"{peer} {record['task']} {record['status']}")
    for task in tasks:  # a crashed worker: what it did not report is an error
        records.setdefault(task, {"peer": peer, "task": task, "status": "error",
                                  "reason": f"worker exited with {proc.returncode}"})
    return records


def main(argv=None):
    args = parse_args(argv)
    tasks = [t for t in TASKS if t in args.only]
    results = {"command": "python -m benchmarks " + " ".join(argv if argv is not None
                                                              else sys.argv[1:]),
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "machine": machine.describe(), "quick": args.quick, "peers": args.peers,
               "tasks": {t: {} for t in tasks}}
    total = len(tasks) * len(args.peers) + len([s for s in SECTIONS if s in args.only])
    done = [0]

    def tick(label):
        done[0] += 1
        progress(done[0], total, label)

    progress(0, total, "starting")
    if "sgemm" in args.only:
        results["sgemm"] = machine.sgemm_rate()
        tick("sgemm")
    for peer in args.peers:
        if tasks:
            if ENV[peer].get("MINIKERAS_KERNELS") == "numba":  # warm numba's cache first
                progress(done[0], total, f"{peer}: compiling (numba's cache)")
                run_peer(peer, tasks, argparse.Namespace(**{**vars(args), "repeats": 1}),
                         lambda label: None)
                results["numba_cache_warmed"] = True
            for task, record in run_peer(peer, tasks, args, tick).items():
                results["tasks"][task][peer] = record
    if "coldstart" in args.only:
        results["coldstart"] = machine.cold_start(
            with_keras="keras-tensorflow" in args.peers and not args.quick,
            with_scripts=not args.quick)
        tick("cold start")
    print(file=sys.stderr)
    print(report.table(results, args.peers))
    print(report.machine_line(results["machine"]))
    for line in report.extras(results) + report.scaling_table(results, args.peers):
        print(line)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    if args.plot:
        report.plot(results, args.peers, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
