"""Installs without some extras, as a user meets them: ``mcclink`` runs in a subprocess in which
the modules those extras would bring cannot be imported (see ``tests.installs``).

What each part needs works; a part whose extra is missing exits 2 with one line naming the
``pip install`` that fixes it, and writes nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import clean_env
from tests.installs import absent_modules, python_without

MCC = "1234567890"
TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "template.yaml"
RUN_CLI = "from mcclink.__main__ import main\nsys.argv = ['mcclink', *{args!r}]\nmain()\n"


def mcclink_without(
    extras_installed: tuple[str, ...], home: Path, *args: str, **env: str
) -> tuple[int, str]:
    """Run ``mcclink ARGS`` as installed with only these extras: its exit code and stderr."""
    environ = {**clean_env(home), "MCC_CUSTOMER_ID": MCC, **env}
    done = python_without(absent_modules(*extras_installed), RUN_CLI.format(args=args), environ)
    return done.returncode, done.stderr


def files_under(home: Path) -> list[Path]:
    return sorted(p for p in home.rglob("*") if p.is_file())


def test_the_monitor_lambda_loads_with_the_library_and_boto3_alone() -> None:
    handler = re.search(r"Handler: ([\w.]+)", TEMPLATE.read_text(encoding="utf-8"))
    assert handler, "deploy/template.yaml names no Handler"
    module, _, function = handler.group(1).rpartition(".")
    heavy = ["fastapi", "starlette", "uvicorn", "typer", "rich", "pydantic", "jinja2", "jwt"]
    code = (
        f"import importlib\nhandler = getattr(importlib.import_module({module!r}), {function!r})\n"
        "import mcclink.store.dynamodb, mcclink.monitor, mcclink.ads.client, mcclink.outbox\n"
        "import mcclink.mail.ses, mcclink.reminders, mcclink.alerts\n"
        "loaded = {m.split('.')[0] for m, module in sys.modules.items() if module is not None}\n"
        f"print('LOADED', sorted(loaded & set({heavy!r})))\n"
    )
    done = python_without(absent_modules("aws"), code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "LOADED []"


def test_without_the_cli_extra_the_command_says_what_to_install(tmp_path: Path) -> None:
    code, stderr = mcclink_without((), tmp_path, "clients", "list")
    assert code == 2
    assert "the mcclink command" in stderr
    assert "pip install 'mcclink[cli]'" in stderr
    assert "Traceback" not in stderr
    assert files_under(tmp_path) == []


def test_a_cli_only_install_runs_the_sqlite_store_commands(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'mcclink.db'}"
    add = ("--store", store, "clients", "add", "111-222-3333", "--name", "Sol", "--no-invite")
    assert mcclink_without(("cli",), tmp_path, *add) == (0, "")
    for command in (("clients", "list"), ("history",), ("tables", "create")):
        code, stderr = mcclink_without(("cli",), tmp_path, "--store", store, *command)
        assert code == 0, (command, stderr)


@pytest.mark.parametrize(
    ("args", "extra", "env"),
    [
        (("web",), "web", {"MCC_API_TOKEN": "t" * 40}),
        (("demo",), "web", {}),
        (("emulator", "serve"), "emulator", {}),
        (("--store", "dynamodb://?region=sa-east-1", "clients", "list"), "aws", {}),
        (("--store", "dynamodb://?region=sa-east-1", "tables", "create"), "aws", {}),
    ],
    ids=["web", "demo", "emulator", "dynamodb", "tables-create"],
)
def test_a_part_whose_extra_is_missing_names_the_install_and_writes_nothing(
    tmp_path: Path, args: tuple[str, ...], extra: str, env: dict[str, str]
) -> None:
    code, stderr = mcclink_without(("cli",), tmp_path, *args, **env)
    assert code == 2, stderr
    assert f"pip install 'mcclink[{extra}]'" in stderr
    assert "Traceback" not in stderr
    assert files_under(tmp_path) == []


def test_python_dash_m_mcclink_is_the_command() -> None:
    done = python_without(
        (),
        "import runpy\nsys.argv = ['mcclink', '--version']\n"
        "runpy.run_module('mcclink', run_name='__main__')\n",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("mcclink ")
