"""The table (seconds and ratios peer / minikeras) and the plot, from the collected results.

results["tasks"][task][peer] is a worker record (worker.py); ratios divide each peer's
seconds by minikeras's (numba path) for the same task: > 1 means minikeras is faster.
"""

TARGETS = {"W1": 100, "W2": 50, "W3": 20, "W4": 2.3, "W5": 60, "W6": 3, "W7": 1.5, "W8": 4,
           "predict 1": 1000}
WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8", "W9")


def machine_line(machine):
    """One line naming the CPU, its cores and the BLAS builds (each result depends on them)."""
    parts = []
    for owner, info in (machine.get("blas") or {}).items():
        if isinstance(info, dict):
            details = ", ".join(str(info[k]) for k in ("architecture", "num_threads")
                                if info.get(k) is not None)
            name = info.get("internal_api") or info.get("name")
            parts.append(f"{owner}: {name} {info.get('version')}" + (f" ({details})"
                                                                      if details else ""))
        else:
            parts.append(f"{owner}={info}")
    return (f"machine: {machine.get('cpu')}, {machine.get('cores')} cores; BLAS: "
            + ("; ".join(parts) or "unknown"))


def seconds(record):
    return record.get("seconds") if record and record.get("status") == "ok" else None


def rows(results, peers):
    """[(row name, {peer: seconds}), ...] for the workloads and the predict latencies."""
    tasks = results["tasks"]
    out = []
    for task in WORKLOADS:
        if task in tasks:
            out.append((task, {p: seconds(tasks[task].get(p)) for p in peers}))
    if "predict" in tasks:
        for model in ("W1", "W6", "W9"):
            for kind, label in (("one_sample", "1 sample"), ("bulk", "bulk")):
                values = {}
                for p in peers:
                    record = tasks["predict"].get(p)
                    ok = record and record.get("status") == "ok" and model in record
                    values[p] = record[model][kind] if ok else None
                out.append((f"predict {label} ({model})", values))
    return out


def _fmt(value):
    if value is None:
        return "-"
    return f"{value:.3g}" if value >= 1e-3 else f"{value * 1e6:.3g}us"


def table(results, peers):
    """The text table: seconds per peer, then each peer's ratio to minikeras."""
    others = [p for p in peers if p != "minikeras"]
    head = ["task"] + [f"{p} s" for p in peers] + [f"{p}/mk" for p in others] + ["target"]
    lines = [head]
    for name, values in rows(results, peers):
        base = values.get("minikeras")
        ratios = [(f"{values[p] / base:.1f}x" if values[p] and base else "-") for p in others]
        target = TARGETS.get(name if not name.startswith("predict 1 sample") else "predict 1")
        lines.append([name] + [_fmt(values[p]) for p in peers] + ratios
                     + [f">= {target}x vs TF" if target else ""])
    skipped = {p: r.get("reason") for task in results["tasks"].values()
               for p, r in task.items() if r.get("status") != "ok"}
    widths = [max(len(str(row[i])) for row in lines) for i in range(len(head))]
    text = "\n".join("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True))
                     for row in lines)
    extra = []
    for peer, reason in sorted(skipped.items()):
        extra.append(f"{peer}: not run ({reason})")
    return "\n".join([text, *extra])


def extras(results):
    """W4 against the sgemm rate, memory, cold start: a list of text lines."""
    lines = []
    tasks, sgemm = results["tasks"], results.get("sgemm")
    if sgemm:
        lines.append(f"sgemm (NumPy float32 matmul at W4's shapes): {sgemm['gflops']:.1f} GFLOP/s")
        for task in ("W4", "W7"):
            for peer, record in tasks.get(task, {}).items():
                if seconds(record):
                    rate = record["train_flops"] / record["seconds"] / 1e9
                    lines.append(f"{task} {peer}: {rate:.1f} GFLOP/s of training FLOPs = "
                                 f"{100 * rate / sgemm['gflops']:.0f}% of the sgemm rate")
    for task in ("W4", "W6", "W7", "W8", "W9"):
        for peer, record in tasks.get(task, {}).items():
            if seconds(record):
                epochs = record.get("rss_epochs_mb") or []
                growth = f", RSS at epoch ends {epochs[0]}..{epochs[-1]} MiB" if epochs else ""
                lines.append(f"{task} {peer}: peak RSS {record['peak_rss_mb']} MiB{growth}")
    for name, row in (results.get("coldstart") or {}).items():
        value = f"{row['seconds']:.2f} s" if row.get("status") == "ok" else f"error {row}"
        lines.append(f"cold start: {name}: {value}")
    return lines


def scaling_table(results, peers):
    sweep = results["tasks"].get("scaling", {})
    points = []
    for peer in peers:
        record = sweep.get(peer)
        if record and record.get("status") == "ok":
            for key, point in record["points"].items():
                points.append((peer, key, point["seconds_per_sample"]))
    return [f"scaling {key} {peer}: {s * 1e6:.1f} us/sample" for peer, key, s in points]


def plot(results, peers, path):
    """Bars per workload (log scale) and the scaling sweep as lines, in one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = rows(results, peers)
    sweep = results["tasks"].get("scaling", {})
    swept = any(record.get("status") == "ok" for record in sweep.values())
    if swept:  # the sweep's two panels only where a run has the sweep
        fig, (bars, lines, batches) = plt.subplots(1, 3, figsize=(20, 5.5))
    else:
        fig, bars = plt.subplots(1, 1, figsize=(8, 5.5))
    width = 0.8 / max(len(peers), 1)
    for i, peer in enumerate(peers):
        xs = [j + i * width for j, _ in enumerate(data)]
        ys = [values[peer] or 0 for _, values in data]
        bars.bar(xs, ys, width, label=peer)
    bars.set_xticks([j + 0.4 - width / 2 for j in range(len(data))])
    bars.set_xticklabels([name for name, _ in data], rotation=60, ha="right", fontsize=7)
    bars.set_yscale("log")
    bars.set_ylabel("seconds (log scale)")
    bars.legend(fontsize=8)
    if swept:
        _plot_sweep(sweep, peers, lines, batches)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_sweep(sweep, peers, lines, batches):
    """The scaling sweep: seconds per sample against width, and against batch size."""
    for peer in peers:
        record = sweep.get(peer)
        if not record or record.get("status") != "ok":
            continue
        by_batch, by_width = {}, {}
        for point in record["points"].values():
            by_batch.setdefault(point["batch_size"], []).append(
                (point["width"], point["seconds_per_sample"]))
            by_width.setdefault(point["width"], []).append(
                (point["batch_size"], point["seconds_per_sample"]))
        for axes, groups, label in ((lines, by_batch, "batch"), (batches, by_width, "width")):
            for key, pts in sorted(groups.items()):
                if len(pts) > 1:
                    pts.sort()
                    axes.plot([p[0] for p in pts], [p[1] for p in pts], marker="o",
                              label=f"{peer} ({label} {key})")
    lines.set_xscale("log", base=2)
    lines.set_yscale("log")
    lines.set_xlabel("width (784 -> w -> w -> 10)")
    lines.set_ylabel("seconds per training sample")
    batches.set_xscale("log", base=2)
    batches.set_yscale("log")
    batches.set_xlabel("batch size (784 -> 512 -> 512 -> 10)")
    batches.set_ylabel("seconds per training sample")
    for axes in (lines, batches):
        if axes.get_legend_handles_labels()[0]:
            axes.legend(fontsize=8)


def main(argv=None):
    """python -m benchmarks.report RESULTS.json [PLOT.png]: the table (and plot) again."""
    import json
    import sys

    args = sys.argv[1:] if argv is None else argv
    with open(args[0]) as f:
        results = json.load(f)
    peers = results["peers"]
    print(table(results, peers))
    for line in extras(results) + scaling_table(results, peers):
        print(line)
    if len(args) > 1:
        plot(results, peers, args[1])


if __name__ == "__main__":
    main()
