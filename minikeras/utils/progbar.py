"""Progbar: the progress bar that `fit`, `evaluate` and `predict` print, as Keras 3 prints it.

A port of `keras/src/utils/progbar.py`. The text of every line is Keras's, byte for byte:

    verbose=1  24/24 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: 0.7012 - loss: 0.5514
    verbose=2  77/77 - 0s - 2ms/step - accuracy: 0.7878 - loss: 0.4510

In the verbose=1 line "24/24" and "0s" (or the ETA) are bold ("\\x1b[1m"), the done part of the
bar is green ("\\x1b[32m") and the rest white ("\\x1b[37m"), each closed by "\\x1b[0m"; the white
part is written even when empty. Keras writes these codes whatever stdout is; so does minikeras.

Numbers, as Keras:
    a value is the running average total / max(1, count) (lists and arrays are np.mean-ed first);
    verbose=1 prints it "%.4f" when |avg| > 1e-3, else "%.4e";
    verbose=2 prints it "%.4f" when avg > 1e-3, else "%.4e" (no abs: negatives print as %.4e);
    time per step is "%.0fs" (>= 1 s or exactly 0), "%.0fms" (>= 1 ms), else "%.0fus";
    ETA is "h:mm:ss" above an hour, "m:ss" above a minute, else "%ds".
The time per step ignores the first step once there are two: (now - t_after_step_1) / (current - 1).

One difference from Keras, on purpose. Keras redraws the line in place ("\\b" * previous width,
then "\\r") whenever `"posix" in sys.modules`, which is always true on Linux and macOS, so a log
piped to a file collects every redraw. minikeras redraws in place only when stdout is a terminal,
in a notebook (ipykernel) or in PyCharm; otherwise verbose=1 prints just the final line of each
bar, with the same text as Keras's last redraw but without the "\\b"/"\\r" prefix and without the
trailing spaces Keras adds to blank out a longer previous line. verbose=2 is identical either way.

Output goes to `sys.stdout`, looked up at each write (so redirection and pytest's capsys work),
and is flushed, as Keras's `io_utils.print_msg` does with interactive logging on (its default).
"""

import math
import os
import sys
import time
from numbers import Real

import numpy as np

BOLD, GREEN, WHITE, RESET = "\x1b[1m", "\33[32m", "\33[37m", "\x1b[0m"


def print_msg(message, line_break=True):
    """Write a message to the current sys.stdout and flush it, as keras.utils.io_utils.print_msg."""
    message = f"{message}\n" if line_break else str(message)
    try:
        sys.stdout.write(message)
    except UnicodeEncodeError:  # a non-UTF-8 stdout: fall back to Keras 2's "=" bar
        encoding = sys.stdout.encoding or "utf-8"
        message = message.replace("━", "=").encode(encoding, errors="ignore").decode(encoding)
        sys.stdout.write(message)
    sys.stdout.flush()


def format_time(time_per_unit, unit_name):
    """' 2ms/step': a duration per unit in s, ms or us, rounded to a whole number."""
    if time_per_unit >= 1 or time_per_unit == 0:
        return f" {time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f" {time_per_unit * 1000.0:.0f}ms/{unit_name}"
    return f" {time_per_unit * 1000000.0:.0f}us/{unit_name}"


def format_eta(eta):
    """'1:02:03', '2:03' or '3s': the estimated time left, in seconds (%d truncates, as Keras)."""
    if eta > 3600:
        return "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)  # noqa: UP031
    if eta > 60:
        return "%d:%02d" % (eta // 60, eta % 60)  # noqa: UP031
    return "%ds" % eta  # noqa: UP031


def average(total, count):
    """avg = total / max(1, count); a list or array total is first reduced by np.mean, as Keras."""
    if not isinstance(total, float):
        total = np.mean(total)
    return total / max(1, count)


def is_dynamic_display():
    """True where a line can be redrawn in place: a terminal, a notebook, or PyCharm's console."""
    isatty = getattr(sys.stdout, "isatty", None)
    return bool((isatty is not None and isatty()) or "ipykernel" in sys.modules
                or "PYCHARM_HOSTED" in os.environ)


class Progbar:
    """Displays a progress bar.

    target: total number of steps expected, None if unknown
    width: bar width in characters; verbose: 0 silent, 1 live bar, 2 one line when finished
    interval: minimum seconds between two redraws of the live bar
    stateful_metrics: names displayed as given; every other name is averaged over steps
    stateless_metrics: the opposite: only these names are averaged (give at most one of the two)
    unit_name: what a step is called in "ms/step"
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Only one of `stateful_metrics` or `stateless_metrics` can be provided. "
                f"Received stateful_metrics={stateful_metrics!r} and "
                f"stateless_metrics={stateless_metrics!r}."
            )
        if target is not None and (isinstance(target, bool) or not isinstance(target, Real)):
            raise TypeError(
                f"`target` must be a number of steps or None. Received: target={target!r}"
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ()) if stateless_metrics is None else None
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)

        self._dynamic_display = is_dynamic_display()
        self._seen_so_far = 0
        self._values = {}  # name -> [total, count]
        self._values_order = []  # names in the order first seen
        self._start = time.time()
        self._last_update = 0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def update(self, current, values=None, finalize=None):
        """Move the bar to step `current`, folding in `values`: a list of (name, value) pairs.

        finalize: whether this is the last update; None means `current >= target`.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        self._accumulate(current, values or [], finalize)
        self._seen_so_far = current

        now = time.time()
        time_per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._draw_live(self._live_line(current, now, time_per_unit, finalize), finalize)
        elif self.verbose == 2 and finalize and self.target is not None and self.target > 0:
            print_msg(self._summary_line(current, now, time_per_unit) + "\n", line_break=False)
        self._last_update = now

    def add(self, n, values=None):
        """Advance the bar by n steps."""
        self.update(self._seen_so_far + n, values)

    def _accumulate(self, current, values, finalize):
        """Fold (name, value) pairs into the running [total, count] per name.

        stateless name:  total += value * steps, count += steps   (steps = current - seen, >= 1)
        stateful name:   [total, count] = [value, 1]
        On the final update every name is set to [value, 1]: Keras's epoch-end logs are final.
        """
        for name, value in values:
            if name not in self._values_order:
                self._values_order.append(name)
            if self.stateful_metrics is not None:
                stateless = name not in self.stateful_metrics
            else:
                stateless = name in self.stateless_metrics
            if stateless and not finalize:
                steps = max(current - self._seen_so_far, 1)
                if name not in self._values:
                    self._values[name] = [value * steps, steps]
                else:
                    self._values[name][0] += value * steps
                    self._values[name][1] += steps
            else:
                self._values[name] = [value, 1]

    def _live_line(self, current, now, time_per_unit, finalize):
        """The verbose=1 line and its printed width (the ANSI codes take no room on screen)."""
        codes_width = 0
        if self.target is not None and self.target > 0:
            digits = int(math.log10(self.target)) + 1
            bar = f"{BOLD}{f'%{digits}d/%d' % (current, self.target)}{RESET} "
            codes_width += 8
            done = int(self.width * (float(current) / self.target))
            if done > 0:
                bar += f"{GREEN}{'━' * done}{RESET}"
                codes_width += 9
            bar += f"{WHITE}{'━' * (self.width - done)}{RESET}"
            codes_width += 9
        else:
            bar = "%7d/Unknown" % current  # noqa: UP031

        if self.target is not None and self.target > 0 and not finalize:
            info = f" {BOLD}{format_eta(time_per_unit * (self.target - current))}{RESET}"
        else:
            info = f" {BOLD}{now - self._start:.0f}s{RESET}"
        codes_width += 8
        info += format_time(time_per_unit, self.unit_name)
        for name in self._values_order:
            avg = average(*self._values[name])
            info += f" - {name}: {avg:.4f}" if abs(avg) > 1e-3 else f" - {name}: {avg:.4e}"
        return bar + info, len(bar) + len(info) - codes_width

    def _draw_live(self, line_and_width, finalize):
        """Redraw in place on a terminal ("\\b" * old width, "\\r", line); else print the last."""
        line, total_width = line_and_width
        if self._dynamic_display:
            message = "\b" * self._prev_total_width + "\r" + line
            if self._prev_total_width > total_width:
                message += " " * (self._prev_total_width - total_width)
            print_msg(message + ("\n" if finalize else ""), line_break=False)
            self._prev_total_width = total_width
        elif finalize:
            print_msg(line + "\n", line_break=False)

    def _summary_line(self, current, now, time_per_unit):
        """The verbose=2 line: '77/77 - 0s - 2ms/step - accuracy: 0.7878 - loss: 0.4510'."""
        digits = int(math.log10(self.target)) + 1
        info = f"{f'%{digits}d/%d' % (current, self.target)} - {now - self._start:.0f}s"
        info += f" -{format_time(time_per_unit, self.unit_name)}"
        for name in self._values_order:
            avg = average(*self._values[name])
            info += f" - {name}: {avg:.4f}" if avg > 1e-3 else f" - {name}: {avg:.4e}"
        return info

    def _estimate_step_duration(self, current, now):
        """Seconds per step, leaving out the first (often slow) step once a later one exists.

        time_per_unit = (now - t_after_step_1) / (current - 1)   when step 1 was timed, current > 1
                      = (now - t_start) / current                otherwise; 0 when current == 0
        """
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit
