"""No import cycles inside minikeras, counting imports inside functions too.

Every `import` / `from ... import` statement of every module (at any depth of the file: a
function-level import is a cycle that has only been hidden) is an edge from the module to the
minikeras module it names. A cycle is a strongly connected component of more than one module.
Importing `a.b.c` runs `a/b/__init__` first, so that is an edge too, except for the packages
that hold the importing module (they are already being imported); importing a package's own
submodules from its `__init__` is how packages are built and is not an edge back; `from . import
x` where x is a submodule points at x, not at the package.
"""

import ast
import pathlib

import minikeras

ROOT = pathlib.Path(minikeras.__file__).parent


def module_name(path):
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph():
    modules = {module_name(p): p for p in ROOT.rglob("*.py")}
    graph = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[:len(anchor) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            for target in targets:
                while target and target not in modules:  # `import a.b.c` names a.b.c's module
                    target = target.rpartition(".")[0]
                # importing a.b.c runs a/__init__ and a/b/__init__ first: edges to those
                # packages too, except the ones that hold this module (already running)
                parts = target.split(".")
                for depth in range(2, len(parts) + 1):
                    step = ".".join(parts[:depth])
                    if step in modules and step != name and not name.startswith(step + "."):
                        graph[name].add(step)
    return graph


def cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_checker_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_function_level_imports():
    graph = import_graph()
    assert len(graph) > 50
    assert "minikeras.kernels.numba_fast.dense" in graph["minikeras.layers.dense"] or \
        "minikeras.kernels" in graph["minikeras.layers.dense"]


def test_no_import_cycles_in_minikeras():
    found = cycles(import_graph())
    assert not found, "import cycles (each line one cycle):\n" + "\n".join(
        " <-> ".join(c) for c in found)
