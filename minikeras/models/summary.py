"""`model.summary()`: Keras 3's table, drawn without `rich`.

Keras draws with rich; on a terminal rich adds bold and colour codes. minikeras always prints
the plain text that Keras prints when its output is not a terminal (the same characters).

    Model: "sequential"
    ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
    ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
    ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
    │ dense (Dense)                   │ (None, 8)              │            48 │
    └─────────────────────────────────┴────────────────────────┴───────────────┘
     Total params: 48 (192.00 B)
"""

import shutil

# rich shrinks Keras's requested column widths by these amounts to fit the padding and borders
# (measured on Keras 3.15 at line lengths 56, 76 and 88: always 3, 4, 3 for three columns).
SHRINK = (3, 4, 3, 3)


def print_summary(model, line_length=None, positions=None, print_fn=None, show_trainable=False,
                  layer_range=None):
    line_length = line_length or min(88 + (12 if show_trainable else 0),
                                     shutil.get_terminal_size().columns - 4)
    positions = positions or [0.45, 0.80, 1.0]
    header = ["Layer (type)", "Output Shape", "Param #"]
    align = ["left", "left", "right"]
    if show_trainable:
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        align.append("center")
    widths, current = [], 0
    for i, pos in enumerate(positions):
        width = int(pos * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        current += width
        widths.append(width - SHRINK[i])

    layers = model.layers
    if layer_range is not None:
        names = [layer.name for layer in layers]
        start, end = (names.index(n) for n in layer_range)
        layers = layers[start:end + 1]
    shapes = dict(zip(map(id, model.layers), model.layer_output_shapes(), strict=True))
    rows = [[f"{layer.name} ({type(layer).__name__})", format_shape(shapes[id(layer)]),
             f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"]
            + ([("Y" if layer.trainable else "N") if layer.weights else "-"]
               if show_trainable else [])
            for layer in layers]

    lines = [f'Model: "{model.name}"', rule("┏", "━", "┳", "┓", widths),
             *render_row(header, widths, align, "┃"), rule("┡", "━", "╇", "┩", widths)]
    for i, row in enumerate(rows):
        if i:
            lines.append(rule("├", "─", "┼", "┤", widths))
        lines += render_row(row, widths, align, "│")
    lines.append(rule("└", "─", "┴", "┘", widths))
    trainable, non_trainable = model.trainable_weights, model.non_trainable_weights
    optimizer = getattr(model, "optimizer", None)
    optimizer_vars = list(getattr(optimizer, "variables", []) or []) if optimizer else []
    total = trainable + non_trainable + optimizer_vars
    lines.append(f" Total params: {count(total):,} ({readable_size(total)})")
    lines.append(f" Trainable params: {count(trainable):,} ({readable_size(trainable)})")
    lines.append(f" Non-trainable params: {count(non_trainable):,} "
                 f"({readable_size(non_trainable)})")
    if optimizer_vars:
        lines.append(f" Optimizer params: {count(optimizer_vars):,} "
                     f"({readable_size(optimizer_vars)})")
    text = "\n".join(lines)
    if print_fn is None:
        print(text)
    else:
        print_fn(text)


def format_shape(shape):
    if shape is None:
        return "?"
    return "(" + ", ".join(str(d) for d in shape) + ")"


def count(variables):
    return int(sum(v.size for v in {id(v): v for v in variables}.values()))


def readable_size(variables):
    size = float(sum(v.size * _itemsize(v) for v in {id(v): v for v in variables}.values()))
    for unit in ["B", "KB", "MB", "GB", "TB"]:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _itemsize(variable):
    value = getattr(variable, "value", variable)
    return getattr(value, "itemsize", 4)


def rule(left, fill, mid, right, widths):
    return left + mid.join(fill * (w + 2) for w in widths) + right


def wrap(text, width):
    """Word-wrap as rich does; a word longer than the column is cut with an ellipsis."""
    lines, line = [], ""
    for word in text.split(" "):
        if len(word) > width:
            word = word[:width - 1] + "…"
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= width:
            line = candidate
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return lines


def render_row(cells, widths, align, bar):
    wrapped = [wrap(cell, w) for cell, w in zip(cells, widths, strict=True)]
    height = max(len(w) for w in wrapped)
    out = []
    for r in range(height):
        parts = []
        for lines, w, a in zip(wrapped, widths, align, strict=True):
            text = lines[r] if r < len(lines) else ""
            text = {"left": text.ljust, "right": text.rjust, "center": text.center}[a](w)
            parts.append(f" {text} ")
        out.append(bar + bar.join(parts) + bar)
    return out
