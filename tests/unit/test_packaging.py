"""The extras: each install carries only what its part uses, ``mcclink.extras`` knows what
each extra brings, and ``all`` / ``dev`` (what ``make demo`` / ``make test`` install) carry
everything."""

from __future__ import annotations

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from mcclink.extras import EXTRAS
from tests.installs import absent_modules, distributions, modules_of, project

WEB_STACK = {"fastapi", "starlette", "uvicorn", "jinja2", "python-multipart", "itsdangerous"}
CLI_STACK = {"typer", "rich", "pygments"}


def test_the_library_alone_is_what_the_lambda_runs_without_the_web_or_cli_stack() -> None:
    core = distributions()
    assert {"google-ads", "tenacity"} <= core
    assert not core & (WEB_STACK | CLI_STACK | {"pydantic", "pyjwt"})
    assert "boto3" not in core, "boto3 is the aws extra's: Lambda's runtime provides it"


def test_a_cli_only_install_carries_no_web_server_and_no_aws_sdk() -> None:
    cli = distributions(["cli"])
    assert cli >= CLI_STACK
    assert not cli & (WEB_STACK | {"boto3", "botocore", "pyjwt"})


@pytest.mark.parametrize(("extra", "brings"), [("aws", {"boto3"}), ("web", WEB_STACK)])
def test_each_extra_brings_its_part(extra: str, brings: set[str]) -> None:
    assert brings <= distributions([extra]) - distributions()


def test_all_and_dev_install_every_extra() -> None:
    everything = set().union(*(distributions([extra]) for extra in EXTRAS))
    assert everything <= distributions(["all"])
    assert distributions(["all"]) <= distributions(["dev"])


def test_the_extras_mcclink_names_in_its_errors_are_the_ones_pyproject_declares() -> None:
    declared = project()["optional-dependencies"]
    assert set(EXTRAS) == set(declared) - {"all", "dev"}
    for name, extra in EXTRAS.items():
        direct = [Requirement(raw) for raw in declared[name]]
        own = [canonicalize_name(r.name) for r in direct if canonicalize_name(r.name) != "mcclink"]
        provided = {req: modules_of({req}) for req in own}
        assert set(extra.modules) <= set().union(*provided.values()), name
        unchecked = [req for req, modules in provided.items() if not modules & set(extra.modules)]
        assert not unchecked, f"mcclink.extras checks no module of {name}'s {unchecked}"


def test_what_an_install_without_the_extras_lacks_is_the_web_and_cli_stacks() -> None:
    absent = absent_modules()
    assert {"fastapi", "uvicorn", "typer", "rich", "boto3", "jwt"} <= absent
    assert not absent & {"google", "grpc", "tenacity", "yaml", "cryptography"}
