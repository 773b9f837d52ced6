"""The package's shape: layers, no private cross-package imports, no import cycles.

Reads every module of ``src/mining`` with ``ast`` (imports inside functions count too: a lazy
import hides a cycle, it does not remove it) and checks

- no module imports a private name (``_x``) or a private module of another top-level package
  (``from mining.basket._rules import x`` is fine inside ``mining.basket`` only);
- no module imports from a higher layer (core -> prepare -> analyses -> show -> run);
- the graph of top-level packages has no cycle.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "mining"

# lower number = lower layer; a module may import only from its own layer or lower ones
LAYERS: dict[str, int] = {
    # core: exceptions, the contract, readers, built-in data
    "errors": 0, "secrets": 0, "params": 0, "schema": 1, "sql": 1, "io": 2, "survey": 2, "simulate": 2,
    "datasets": 3, "glossary": 0, "findings": 0,
    # prepare: one way in, the customer table, engine sessions and dispatch
    "engines": 4, "inputs": 4, "features": 5,
    # analyse
    "value": 6, "segment": 6, "basket": 6, "sequence": 6, "churn": 6, "lifecycle": 6,
    "deviation": 6, "clv": 6, "loyalty": 6,
    # show
    "plots": 8, "interactive": 8, "tables": 8, "actions": 8,
    # run
    "report": 9, "cli": 10, "__main__": 11,
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[str, str | None, int]]:
    """(module imported, name imported or None, line) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = _module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    out: list[tuple[str, str | None, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            out += [(module, a.name, node.lineno) for a in node.names]
    resolved = []
    for module, name, line in out:
        if module == "mining" and name and (
            (SRC / f"{name}.py").exists() or (SRC / name / "__init__.py").exists()
        ):
            module, name = f"mining.{name}", None  # `from mining import value`
        if module.startswith("mining."):
            resolved.append((module, name, line))
    return resolved


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _all_modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py"))


def _lines(kind: str) -> list[str]:
    problems: list[str] = []
    for path in _all_modules():
        me = _module_name(path)
        mine = _top(me)
        if not mine:  # mining/__init__.py: the public face, above every layer
            continue
        for module, name, line in _imports(path):
            theirs = _top(module)
            if not theirs:
                continue
            where = f"{path.relative_to(SRC.parent)}:{line}"
            if kind == "private" and theirs != mine:
                private_module = any(p.startswith("_") for p in module.split(".")[2:])
                private_name = (name or "").startswith("_") and not (name or "").startswith("__")
                if theirs.startswith("_") or private_module or private_name:
                    problems.append(f"{where} imports {module}.{name or ''} from another package")
            if kind == "layer" and theirs != mine:
                a, b = LAYERS.get(mine), LAYERS.get(theirs)
                if a is None or b is None:
                    missing = mine if a is None else theirs
                    problems.append(f"{where}: package {missing!r} has no layer in LAYERS")
                elif b > a:
                    problems.append(f"{where}: {mine} (layer {a}) imports {theirs} (layer {b})")
    return list(dict.fromkeys(problems))


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in _all_modules():
        mine = _top(_module_name(path))
        if not mine:
            continue
        for module, _name, _line in _imports(path):
            theirs = _top(module)
            if theirs and theirs != mine:
                graph[mine].add(theirs)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, stack, state = [], [], {}

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_no_private_name_is_imported_across_packages():
    problems = _lines("private")
    assert not problems, "\n".join(problems)


def test_no_module_imports_from_a_higher_layer():
    problems = _lines("layer")
    assert not problems, "\n".join(problems)


def test_the_packages_have_no_import_cycle():
    cycles = _cycles(package_graph())
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_the_checker_sees_a_private_import(tmp_path, monkeypatch):
    """The checker itself works: a private cross-package import in a scratch tree is reported."""
    root = tmp_path / "mining"
    (root / "basket").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "basket" / "__init__.py").write_text("")
    (root / "basket" / "_rules.py").write_text("def _helper():\n    pass\n")
    (root / "value.py").write_text("from mining.basket._rules import _helper\nimport mining.report\n")
    (root / "report.py").write_text("from mining import value\n")
    monkeypatch.setattr(f"{__name__}.SRC", root)
    assert any("value.py:1" in p for p in _lines("private"))
    assert any("value (layer 6) imports report (layer 9)" in p for p in _lines("layer"))
    assert _cycles(package_graph())
