"""Check a student's own NumPy Dense, LSTM and Adam (examples/student_numpy.py) against Keras.

    python examples/check_my_numpy.py

Each check draws x and the weights from a seed, runs your functions and the Keras layer (or
optimizer) on the same numbers and prints one row per quantity. The last check plants a bug
(the LSTM's gate blocks read as i, f, o, c) to show what a failure looks like.
"""

import functools
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import student_numpy as student  # noqa: E402

import parity  # noqa: E402


def main():
    dense = parity.check_layer("Dense", {"units": 3, "activation": "tanh"},
                               forward=student.dense_forward, backward=student.dense_backward,
                               input_shape=(4, 5))
    print(dense, end="\n\n")
    lstm = parity.check_layer("LSTM", {"units": 3}, forward=student.lstm_forward,
                              backward=student.lstm_backward, input_shape=(2, 5, 4))
    print(lstm, end="\n\n")
    adam = parity.check_optimizer("Adam", update=student.adam_update, shapes=[(5, 3), (3,)],
                                  steps=20)
    print(adam.failure_text(), f"({len(adam.rows)} steps)", end="\n\n")
    wrong = parity.check_layer(
        "LSTM", {"units": 3}, forward=functools.partial(student.lstm_forward, order="ifoc"),
        backward=functools.partial(student.lstm_backward, order="ifoc"), input_shape=(2, 5, 4))
    print(wrong)
    return 0 if dense.ok and lstm.ok and adam.ok and not wrong.ok else 1


if __name__ == "__main__":
    sys.exit(main())
