"""The shape of the package: every module imports on its own, the import graph has no
cycle, modules stay small, only the session module imports onnxruntime."""

from __future__ import annotations

import ast
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "bench"
MAX_LINES = 300
MAX_LINES_BUILDERS = 400
MAX_TOP_LEVEL_MODULES = 8


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking(node: ast.AST) -> bool:
    return (isinstance(node, ast.If) and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING")


def imports_of(name: str) -> set[str]:
    """The bench modules ``name`` imports at run time (any depth of the file; imports under
    ``if TYPE_CHECKING:`` are left out, since they never run)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if _type_checking(node):
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in MODULES else base)
        stack.extend(ast.iter_child_nodes(node))
    return {m for m in found if m in MODULES and m != name}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    colour: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if colour.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in colour:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        colour[node] = 2
        return None

    for start in sorted(graph):
        if start not in colour:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_import_graph_has_no_cycle() -> None:
    graph = {name: imports_of(name) for name in MODULES}
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


# onnxruntime's offline tools (the fp16 converter, the quantizer) are not the runtime; the
# zoo's precision variants use them, nothing else does.
TOOLS = ("onnxruntime.quantization", "onnxruntime.transformers")


def test_only_the_session_module_imports_onnxruntime() -> None:
    importers = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            names = [n for n in names if not n.startswith(TOOLS)]
            if any(n == "onnxruntime" or n.startswith("onnxruntime.") for n in names):
                importers.append(name)
    assert sorted(set(importers)) == ["bench.device.session"]


def test_modules_stay_small() -> None:
    too_long = []
    for name, path in MODULES.items():
        limit = MAX_LINES_BUILDERS if ".zoo.builders." in name else MAX_LINES
        lines = len(path.read_text().splitlines())
        if lines > limit:
            too_long.append(f"{name}: {lines} lines (limit {limit})")
    assert not too_long


def test_the_top_level_holds_few_modules() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


_FORK_IMPORTS = """
import os, sys
import click, numpy, onnx, onnxruntime, pydantic, yaml  # third-party, loaded once
failed = []
for name in sys.argv[1:]:
    pid = os.fork()
    if pid == 0:  # a child that has imported no bench module yet
        try:
            __import__(name)
        except BaseException as exc:
            print(f"{name}: {type(exc).__name__}: {exc}", flush=True)
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if status:
        failed.append(name)
sys.exit(1 if failed else 0)
"""


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_every_module_imports_alone() -> None:
    """Each module imported first, in a forked child of an interpreter that holds the
    third-party libraries but no bench module: an import-order dependency fails here."""
    names = sorted(MODULES)
    halves = [names[0::2], names[1::2]]  # two interpreters at once, one per core
    procs = [subprocess.Popen([sys.executable, "-c", _FORK_IMPORTS, *half],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for half in halves]
    outcomes = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    assert all(code == 0 for code, _, _ in outcomes), [out + err[-2000:]
                                                       for _, out, err in outcomes]


def _import_alone(name: str) -> tuple[str, int, str]:
    proc = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True,
                          text=True, timeout=120)
    return name, proc.returncode, proc.stderr.strip().splitlines()[-1:] and proc.stderr


@pytest.mark.slow
def test_every_module_imports_alone_in_a_fresh_interpreter() -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(_import_alone, sorted(MODULES)))
    failed = [f"{name}: {err.strip().splitlines()[-1]}" for name, code, err in outcomes if code]
    assert not failed


def test_only_the_genai_module_imports_onnxruntime_genai() -> None:
    importers = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "onnxruntime_genai" or n.startswith("onnxruntime_genai.")
                   for n in names):
                importers.append(name)
    assert sorted(set(importers)) == ["bench.device.genai"]
