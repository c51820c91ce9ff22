"""The architecture of docs/architecture.md, checked: the layer contract of pyproject.toml
(import-linter), no import cycles anywhere, modules of a readable size, no shims."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
from conftest import ROOT

PACKAGES = ("registry", "importers")
MAX_LINES = 420  # "a few hundred lines": a module past this is split by what it does


def test_the_layer_contract_holds():
    lint = Path(sys.executable).with_name("lint-imports")
    command = [str(lint)] if lint.exists() else [sys.executable, "-m", "importlinter.cli"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for root, imported in edges.items():
        if root in index:
            continue
        work = [(root, iter(imported))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges.get(child, ()))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_no_import_cycles_between_modules():
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)  # annotations only
    edges = {m: {i for i in graph.find_modules_directly_imported_by(m)
                 if i != m and not m.startswith(i + ".")}  # a module importing its own package
             for m in graph.modules}
    assert _cycles(edges) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_modules_are_a_few_hundred_lines():
    long = {str(path.relative_to(ROOT)): n for package in PACKAGES
            for path in (ROOT / package).rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_no_flat_modules_left_at_the_top_of_the_package():
    """The package is folders per layer; its top holds only ``__init__.py``."""
    assert sorted(p.name for p in (ROOT / "registry").glob("*.py")) == ["__init__.py"]
