"""#16: the CLI's actor names the OS account: MCCLINK_ACTOR, else the login name as
``getpass.getuser`` finds it (LOGNAME, USER, LNAME, USERNAME, then the password database),
so cron and containers without USER are not a bare ``cli``; ``cli`` only without any name."""

from __future__ import annotations

import os
import pwd

import pytest

from mcclink.bootstrap import Container
from mcclink.errors import ConfigurationError


def actor(**environ: str) -> str:
    return Container(environ=environ).actor


def test_mcclink_actor_comes_before_the_login_name() -> None:
    assert actor(MCCLINK_ACTOR="Ana Souza", LOGNAME="root", USER="root") == "cli:Ana Souza"


def test_the_login_variables_are_read_in_getpass_order() -> None:
    assert actor(USERNAME="d", LNAME="c", USER="b", LOGNAME="a") == "cli:a"
    assert actor(USERNAME="d", LNAME="c", USER="b") == "cli:b"
    assert actor(USERNAME="d") == "cli:d"


def test_without_login_variables_the_account_comes_from_the_password_database() -> None:
    assert actor() == f"cli:{pwd.getpwuid(os.getuid()).pw_name}"


def test_an_account_missing_from_the_password_database_is_the_bare_cli(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    taken = {entry.pw_uid for entry in pwd.getpwall()}
    monkeypatch.setattr(
        os, "getuid", lambda: next(u for u in range(70_000, 80_000) if u not in taken)
    )

    assert actor() == "cli"


def test_a_bad_account_name_asks_for_mcclink_actor(monkeypatch: pytest.MonkeyPatch) -> None:
    real = pwd.getpwuid(os.getuid())
    hostile = pwd.struct_passwd(("ana\x1b[2J", *real[1:]))
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: hostile)

    with pytest.raises(ConfigurationError) as refused:
        actor()

    assert "the account's name in the password database must be a printable name" in str(
        refused.value
    )
    assert "set MCCLINK_ACTOR to a short name" in str(refused.value)
    assert "\x1b" not in str(refused.value)
