"""No compiled kernel passes a literal int or bool to another cached kernel (nor copies an
array into a slice: the second half of this file).

numba types a literal argument given in compiled code (`0`, `False`) as `Literal[int](0)` or
`Literal[bool](False)` and compiles the callee, with everything it calls, once more for it,
beside the variant that run-time values of the same meaning compile. Measured before these
were removed (empty numba cache, AMD EPYC): the large-LSTM epoch's literal dropout=False
compiled `forward_core` and `backward_core` a second time beside the layer path's (9-11 s
each), and conv.py's literal sample 0 and row 0 its slab kernels and `gemm_rows`
(examples/mnist_cnn.py 22.9 -> 16.8 s without them). A run-time value with the same meaning
(`blocks.FIRST`, `rnn_epoch._no_recurrent_dropout`) compiles once.

This reads the source of every compiled function in `kernels/numba_fast/` and each call it
makes to another compiled function that numba does not inline: a literal int or bool among its
arguments is reported, unless ALLOWED says why it is meant (a literal whose variant no other
caller would share, chosen so numba drops the dead branch).
"""

import ast
import importlib
import inspect
import pkgutil

from numba.core.registry import CPUDispatcher

import minikeras.kernels.numba_fast as numba_fast

ALLOWED = {
    # from_logits=True: the layer path calls these from Python with a run-time bool and a
    # `tie` argument, a different signature whatever this call passes; the literal lets numba
    # drop the probabilities branch from the loss's loop.
    ("_binary_crossentropy_logits", "binary_crossentropy_value_and_grad"),
    ("_categorical_crossentropy_logits", "categorical_crossentropy_value_and_grad"),
    ("_sparse_categorical_crossentropy_logits", "sparse_categorical_crossentropy_value_and_grad"),
}


def _modules():
    return [importlib.import_module(f"{numba_fast.__name__}.{info.name}")
            for info in pkgutil.iter_modules(numba_fast.__path__)]


def _compiled_functions(modules):
    """(module, function node) for each function in the modules' source that is compiled."""
    for module in modules:
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if (isinstance(node, ast.FunctionDef)
                    and isinstance(getattr(module, node.name, None), CPUDispatcher)):
                yield module, node


def _probe(tmp_path, monkeypatch, name, source):
    """A module of `source`, written under tmp_path and imported, for the scans to read."""
    (tmp_path / f"{name}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    return importlib.import_module(name)


def _callee(module, func):
    """The compiled function a call names (`name(...)` or `module.name(...)`), or None."""
    if isinstance(func, ast.Name):
        target = getattr(module, func.id, None)
    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        target = getattr(getattr(module, func.value.id, None), func.attr, None)
    else:
        return None
    return target if isinstance(target, CPUDispatcher) else None


def _literal(node):
    return isinstance(node, ast.Constant) and type(node.value) in (bool, int)


def literal_calls(modules):
    """(caller, callee, line) for each call with a literal int or bool argument from a
    compiled function to a compiled function numba compiles on its own (not inline)."""
    found, callers = [], 0
    for module, node in _compiled_functions(modules):
        callers += 1
        for call in ast.walk(node):
            callee = call.func if isinstance(call, ast.Call) else None
            callee = callee and _callee(module, callee)
            if callee is None or callee.targetoptions.get("inline") == "always":
                continue
            arguments = [*call.args, *(k.value for k in call.keywords)]
            if any(_literal(a) for a in arguments):
                found.append((node.name, callee.py_func.__name__, call.lineno))
    return found, callers


def test_no_literal_arguments_between_compiled_kernels():
    found, callers = literal_calls(_modules())
    assert callers > 50  # the scan saw the compiled functions
    unexpected = [f for f in found if f[:2] not in ALLOWED]
    assert not unexpected, (
        "a literal int or bool passed from one compiled kernel to another compiles the callee "
        f"once more (pass a run-time value, see this test's docstring): {unexpected}")
    assert {f[:2] for f in found} == ALLOWED  # an entry no longer needed is removed


def test_the_scan_finds_a_literal_argument(tmp_path, monkeypatch):
    """The check can fail: a module whose kernel passes a literal False to another is reported."""
    source = (
        "from numba import njit\n\n"
        "@njit(cache=False)\n"
        "def callee(x, flag):\n    return x if flag else -x\n\n"
        "@njit(cache=False)\n"
        "def caller(x):\n    return callee(x, False) + callee(x, x > 0)\n"
    )
    found, callers = literal_calls([_probe(tmp_path, monkeypatch, "literal_probe", source)])
    assert callers == 2 and found == [("caller", "callee", 9)]


# ---- array copies through slices ---------------------------------------------------------------
# `out[a:b] = src` with an array src makes numba compile its shape-mismatch error message
# (string formatting, 1-2 s a shape with an empty cache); numba_fast/arrays.py's loops copy
# without one. This catches the slice form; a row copy through an integer index (`c[b] = row`)
# does the same and is not visible to a source scan (the last one, in rnn_gemm.inference_core,
# was found by numba's compile events).
SLICE_ALLOWED = {
    ("_max_backward_tiled", "dx[b, i * ph + p, col, :] = zero"),  # a scalar fill: no message
}


def slice_assignments(modules):
    """(function, statement) for each assignment into a slice of an array, of anything but a
    literal number, in a compiled function."""
    found = []
    for _, node in _compiled_functions(modules):
        for statement in ast.walk(node):
            if isinstance(statement, ast.Assign):
                targets = statement.targets
            elif isinstance(statement, ast.AugAssign):
                targets = [statement.target]
            else:
                continue
            for target in targets:
                index = target.slice if isinstance(target, ast.Subscript) else None
                parts = index.elts if isinstance(index, ast.Tuple) else [index]
                if (any(isinstance(p, ast.Slice) for p in parts)
                        and not isinstance(statement.value, ast.Constant)):
                    found.append((node.name, ast.unparse(statement)))
    return found


def test_no_array_copied_into_a_slice_in_a_compiled_kernel():
    found = slice_assignments(_modules())
    unexpected = [f for f in found if f not in SLICE_ALLOWED]
    assert not unexpected, (
        "copy through numba_fast/arrays.py (copy_into, copy_vector_into, add_into, "
        f"add_vector_into) instead of assigning to a slice: {unexpected}")
    assert set(found) == SLICE_ALLOWED


def test_the_slice_scan_finds_a_copy(tmp_path, monkeypatch):
    source = (
        "from numba import njit\n\n"
        "@njit(cache=False)\n"
        "def kernel(h, h0, out):\n    h[:] = h0\n    out[0, :] = 0.0\n    out[1, 1:] += h[1:]\n"
    )
    found = slice_assignments([_probe(tmp_path, monkeypatch, "slice_probe", source)])
    assert found == [("kernel", "h[:] = h0"), ("kernel", "out[1, 1:] += h[1:]")]
