"""What parity.check_layer / check_loss / check_optimizer return: one row per quantity.

    report = parity.check_layer("Dense", {"units": 3}, forward=f, backward=b, input_shape=(4, 5))
    report.ok                  # True when every row is within its tolerance
    print(report)              # the table, then the first failure: worst index, both values, hint
    report.raise_if_failed()   # AssertionError carrying that text (for a test)
    report.to_markdown()       # the same as a Markdown table (for a CI job summary)

Errors are normwise relative, as in the rest of parity/: max|yours - Keras| / max|Keras| for
outputs, losses and weights; gradients are measured against the largest Keras gradient entry
of the check (see parity.core.compare_gradients: a small entry summed from large terms that
cancel carries their rounding, which matters only at the scale of the update).
"""

import dataclasses

import numpy as np


@dataclasses.dataclass
class Row:
    quantity: str        # "forward y", "dx", "dkernel", "loss value", "weights after step 3"
    shape: tuple
    abs_error: float
    rel_error: float
    tolerance: float
    worst: tuple = None  # (where, yours, keras) at the largest difference

    @property
    def ok(self):
        return bool(self.rel_error <= self.tolerance)  # NaN is never ok


def compare(quantity, yours, keras, tolerance, scale=None, where=None):
    """A Row for two arrays; `scale` replaces max|keras| as the relative error's denominator.

    `where` names the worst index (default: the index tuple itself)."""
    yours = np.asarray(yours, dtype=np.float64)
    keras = np.asarray(keras, dtype=np.float64)
    diff = np.abs(yours - keras)
    if diff.size == 0:
        return Row(quantity, keras.shape, 0.0, 0.0, tolerance)
    flat = int(np.nanargmax(diff)) if not np.all(np.isnan(diff)) else 0
    index = tuple(int(i) for i in np.unravel_index(flat, diff.shape))
    abs_error = float(diff.flat[flat])
    scale = float(np.max(np.abs(keras))) if scale is None else scale
    worst = ((where or index), float(yours.flat[flat]), float(keras.flat[flat]))
    return Row(quantity, keras.shape, abs_error, abs_error / max(scale, 1e-30), tolerance, worst)


COLUMNS = ("quantity", "shape", "max abs", "max rel", "tol", "verdict")


def _cells(row, shapes=True):
    cells = (row.quantity, str(tuple(row.shape)) if row.shape is not None else "",
             f"{row.abs_error:.2e}", f"{row.rel_error:.2e}", f"{row.tolerance:.0e}",
             "ok" if row.ok else "FAIL")
    return cells if shapes else cells[:1] + cells[2:]


def _index(where):
    return where if isinstance(where, str) else f"index {where}"


@dataclasses.dataclass
class Report:
    title: str                                         # what was checked, against which Keras
    rows: list
    notes: list = dataclasses.field(default_factory=list)  # e.g. the weights' names and shapes
    hint: str = None                                   # for the first failing row, when sure

    @property
    def ok(self):
        return all(row.ok for row in self.rows)

    @property
    def first_failure(self):
        return next((row for row in self.rows if not row.ok), None)

    def failure_text(self):
        """'dbias differs from Keras: ...; worst at index (1,): yours 0.0, Keras -0.53'."""
        row = self.first_failure
        if row is None:
            n = len(self.rows)
            return (f"all {n} quantities match Keras within tolerance" if n != 1 else
                    "the 1 quantity matches Keras within tolerance")
        text = (f"FAIL: {row.quantity} differs from Keras: max relative error "
                f"{row.rel_error:.2e} > {row.tolerance:.0e}")
        if row.worst:
            where, yours, keras = row.worst
            text += f"\n  worst at {_index(where)}: yours {yours!r}, Keras {keras!r}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        failed = [r.quantity for r in self.rows if not r.ok][1:]
        if failed:
            more = f" and {len(failed) - 3} more" if len(failed) > 4 else ""
            listed = failed[:3] if more else failed
            text += f"\n  also outside tolerance: {', '.join(listed)}{more}"
        return text

    def _table(self):
        """The header and the cells of each row; no shape column when no row has a shape."""
        shapes = any(r.shape is not None for r in self.rows)
        head = COLUMNS if shapes else COLUMNS[:1] + COLUMNS[2:]
        return head, [_cells(r, shapes) for r in self.rows]

    def __str__(self):
        head, body = self._table()
        cells = [head, *body]
        widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip()
                 for cell in cells]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join([self.title, *self.notes, "", *lines, "", self.failure_text()])

    __repr__ = __str__

    def raise_if_failed(self):
        """Raise AssertionError with the whole report when any row is outside tolerance."""
        if not self.ok:
            raise AssertionError("\n" + str(self))
        return self

    def to_markdown(self):
        head, body = self._table()
        table = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        table += ["| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
                  for cells in body]
        notes = "".join(f"{n}\n\n" for n in self.notes)
        failure = "\n".join(f"> {line.strip()}  " for line in self.failure_text().splitlines())
        return f"### {self.title}\n\n{notes}" + "\n".join(table) + f"\n\n{failure}\n"
