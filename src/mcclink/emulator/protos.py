"""The ``google-ads`` library's own proto-plus classes, for every API version it ships.

The versions are discovered from the installed library (its ``google.ads.googleads.vNN``
packages), never listed by hand. Modules are imported on first use (one version's types take
~0.5 s to import), by a path relative to ``google.ads.googleads.<version>``; the version
defaults to the one mcclink speaks (``mcclink.ads.version``).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
from typing import Any

from mcclink.ads.version import API_VERSION

_PACKAGE = "google.ads.googleads"
_VERSION = re.compile(r"v(\d+)")


@functools.cache
def versions() -> tuple[str, ...]:
    """The API versions the installed library ships, oldest first, e.g. ``("v23", ..., "v26")``."""
    package = importlib.import_module(_PACKAGE)
    found = [
        module.name
        for module in pkgutil.iter_modules(package.__path__)
        if module.ispkg and _VERSION.fullmatch(module.name)
    ]
    return tuple(sorted(found, key=lambda name: int(name[1:])))


@functools.cache
def load(path: str, version: str = API_VERSION) -> Any:
    """The module ``google.ads.googleads.<version>.<path>``, e.g. ``errors.types.errors``."""
    return importlib.import_module(f"{_PACKAGE}.{version}.{path}")


def service_name(service: str, version: str = API_VERSION) -> str:
    """The full gRPC service name, e.g. ``google.ads.googleads.v26.services.CustomerService``."""
    return f"{_PACKAGE}.{version}.services.{service}"
