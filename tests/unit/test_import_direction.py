"""Every dependency inside mcclink runs one way: no module imports one that imports it back.

Imports made only for type checking count too: a reader starting at the bottom of a chain
of modules should never meet one that needs a module further up.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import mcclink

PACKAGE = Path(mcclink.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imported(module: str) -> Iterator[str]:
    """The mcclink modules ``module`` imports (``from pkg import mod`` names ``pkg.mod``)."""
    for node in ast.walk(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [
                f"{node.module}.{alias.name}"
                if f"{node.module}.{alias.name}" in MODULES
                else node.module
                for alias in node.names
            ]
        else:
            continue
        yield from (name for name in names if name in MODULES and name != module)


GRAPH = {module: set(_imported(module)) for module in MODULES}


def _cycle_from(start: str) -> list[str] | None:
    """A chain of imports leading from ``start`` back to it, or None."""
    path, seen = [start], {start}

    def walk(module: str) -> list[str] | None:
        for target in sorted(GRAPH[module]):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                path.append(target)
                found = walk(target)
                if found:
                    return found
                path.pop()
        return None

    return walk(start)


def test_the_graph_is_read_from_the_real_imports() -> None:
    assert "mcclink.monitor" in GRAPH["mcclink.service"]
    assert "mcclink.emulator.links" in GRAPH["mcclink.emulator.state"]


def test_no_module_imports_one_that_imports_it_back() -> None:
    cycles = {m: c for m in sorted(GRAPH) if (c := _cycle_from(m)) is not None}
    assert cycles == {}, "\n".join(" -> ".join(c) for c in cycles.values())
