"""The ``google-ads`` library's own proto-plus classes, for the API version mcclink speaks.

Modules are imported on first use (the library's types take ~0.5 s to import), by a path
relative to ``google.ads.googleads.<API_VERSION>``: the version is written only in
``mcclink.ads.version``.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

from mcclink.ads.version import API_VERSION


@functools.cache
def load(path: str) -> Any:
    """The module ``google.ads.googleads.<API_VERSION>.<path>``, e.g. ``errors.types.errors``."""
    return importlib.import_module(f"google.ads.googleads.{API_VERSION}.{path}")


def service_name(service: str) -> str:
    """The full gRPC service name, e.g. ``google.ads.googleads.v26.services.CustomerService``."""
    return f"google.ads.googleads.{API_VERSION}.services.{service}"
