"""mcclink's optional parts, and one clear error when a part's extra is not installed.

``pip install mcclink`` is the library: the service, the SQLite store, the Google Ads adapter,
the monitor and webhooks, which is what the AWS monitor function runs. Each extra adds a part
(``pyproject.toml`` lists their requirements)::

    cli       the ``mcclink`` command                              typer, rich
    aws       the DynamoDB store, the Lambda handler               boto3 (Lambda's runtime has it)
    web       ``mcclink web``: dashboard, REST API, onboarding     FastAPI, uvicorn, Jinja2, ...
    emulator  the local Google Ads API emulator, the mail sink     PyJWT, cryptography, aiosmtpd
    all       every part; ``make demo`` and ``make test`` install it

A package that needs an extra calls ``require`` as it is imported, so using a part that is not
installed fails at once with ``MissingExtra``, naming the ``pip install`` that fixes it; the
``mcclink`` command also ``explain``s an extra's module that a command imports on its own.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from mcclink.errors import MissingExtra


@dataclass(frozen=True)
class Extra:
    """What an extra is for, and the top-level modules of its requirements."""

    purpose: str
    modules: tuple[str, ...]


EXTRAS = {
    "cli": Extra("the mcclink command", ("typer", "rich")),
    "aws": Extra("DynamoDB (the store and the AWS Lambda function)", ("boto3",)),
    "web": Extra(
        "the web server (dashboard, REST API, onboarding pages)",
        ("fastapi", "uvicorn", "jinja2", "python_multipart", "itsdangerous", "jwt"),
    ),
    "emulator": Extra(
        "the Google Ads API emulator and the local mail sink", ("cryptography", "jwt", "aiosmtpd")
    ),
}


def require(name: str) -> None:
    """Check that the extra ``name`` is installed.

    Raises:
        MissingExtra: a module of the extra cannot be found; the message says what to install.
    """
    missing = [m for m in EXTRAS[name].modules if importlib.util.find_spec(m) is None]
    if missing:
        raise missing_extra(name, missing)


def explain(exc: ModuleNotFoundError) -> MissingExtra | None:
    """The ``MissingExtra`` behind a failed import of one of an extra's modules, if it is one."""
    module = (exc.name or "").partition(".")[0]
    for name, extra in EXTRAS.items():
        if module in extra.modules:
            return missing_extra(name, [module])
    return None


def missing_extra(name: str, modules: list[str]) -> MissingExtra:
    """The error that says the extra ``name`` is missing (``modules`` cannot be imported)."""
    return MissingExtra(
        f"{EXTRAS[name].purpose} needs mcclink's optional '{name}' dependencies, which are not "
        f"installed (no module {', '.join(modules)}): pip install 'mcclink[{name}]'"
    )
