"""What an install of mcclink with only some extras contains, read from ``pyproject.toml`` and
the installed distributions' metadata; and a way to run Python as if the rest were missing.

``absent_modules("cli")`` is every top-level module that ``pip install 'mcclink[cli]'`` would
not bring but ``mcclink[all]`` does. ``python_without(modules, code)`` runs ``code`` in a
subprocess where importing any of them fails as it would on such an install (each is set to
``None`` in ``sys.modules``, which also makes ``importlib.util.find_spec`` answer ``None``).
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from collections.abc import Iterable, Mapping
from functools import cache
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
SELF = "mcclink"


def project() -> dict[str, Any]:
    """The ``[project]`` table of ``pyproject.toml``."""
    with PYPROJECT.open("rb") as file:
        table: dict[str, Any] = tomllib.load(file)["project"]
    return table


def own_requirements(extras: Iterable[str] = ()) -> list[Requirement]:
    """mcclink's requirements with these extras, self-references (``mcclink[cli]``) resolved."""
    table = project()
    optional: dict[str, list[str]] = table["optional-dependencies"]
    found = [Requirement(raw) for raw in table["dependencies"]]
    pending, seen = list(extras), set()
    while pending:
        extra = pending.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for raw in optional[extra]:
            requirement = Requirement(raw)
            if canonicalize_name(requirement.name) == SELF:
                pending.extend(requirement.extras)
            else:
                found.append(requirement)
    return found


def distributions(extras: Iterable[str] = ()) -> set[str]:
    """The canonical names of every distribution such an install holds (mcclink excluded)."""
    pending = own_requirements(extras)
    found: set[str] = set()
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in found:
            continue
        found.add(name)
        pending.extend(_dependencies(name, frozenset(requirement.extras)))
    return found


@cache
def _dependencies(name: str, extras: frozenset[str]) -> list[Requirement]:
    try:
        raws = requires(name) or []
    except PackageNotFoundError:  # not installed here (another platform's or Python's)
        return []
    wanted = []
    for raw in raws:
        requirement = Requirement(raw)
        marker = requirement.marker
        if marker is None or any(marker.evaluate({"extra": e}) for e in extras or {""}):
            wanted.append(requirement)
    return wanted


def modules_of(names: set[str]) -> set[str]:
    """Top-level modules provided only by these distributions (shared namespaces excluded)."""
    return {
        module
        for module, providers in packages_distributions().items()
        if providers and {canonicalize_name(p) for p in providers} <= names
    }


def absent_modules(*extras: str) -> set[str]:
    """Top-level modules ``mcclink[all]`` has and an install with only ``extras`` lacks."""
    return modules_of(distributions(["all"]) - distributions(extras))


def python_without(
    modules: Iterable[str], code: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter in which ``modules`` cannot be imported."""
    prelude = f"import sys\nfor _m in {sorted(modules)!r}:\n    sys.modules[_m] = None\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code],
        capture_output=True,
        text=True,
        env=None if env is None else dict(env),
        timeout=120,
    )
