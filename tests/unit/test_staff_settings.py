"""``Settings.staff``: how the staff sign in, read from the environment and checked at once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mcclink.config import Secret, Settings, StaffSettings, StaffSignIn
from mcclink.errors import ConfigurationError
from mcclink.staff import Role

SECRET = "staff-client-secret-0123456789"
SESSION_SECRET = "Yh3kR9_vQ2mXw8Rt4Lp7Hn3Bc6Df1GjZ0-5qY9vK2m"


def _staff(**env: str) -> StaffSettings:
    return Settings.from_env(env).staff


def _problems(**env: str) -> str:
    with pytest.raises(ConfigurationError) as refused:
        _staff(**env)
    return str(refused.value)


def test_by_default_there_is_no_google_sign_in_and_sessions_last_2h_idle_12h_at_most() -> None:
    assert _staff() == StaffSettings(
        sign_in=None,
        domains=frozenset(),
        domain_role=Role.VIEWER,
        break_glass=False,
        session_idle=timedelta(hours=2),
        session_max=timedelta(hours=12),
        session_secret=None,
    )


def test_every_setting_is_read() -> None:
    staff = _staff(
        MCC_STAFF_CLIENT_ID="staff.apps.example",
        MCC_STAFF_CLIENT_SECRET=SECRET,
        MCC_PUBLIC_URL="https://ads.agencia.com.br/",
        MCC_OIDC_ISSUER="https://accounts.example.com/",
        MCC_STAFF_DOMAINS=" Agencia.com.br, agencia.com ,",
        MCC_STAFF_DOMAIN_ROLE="Operator",
        MCC_BREAK_GLASS="on",
        MCC_SESSION_IDLE="30m",
        MCC_SESSION_MAX="1d",
        MCC_SESSION_SECRET=SESSION_SECRET,
    )

    assert staff.sign_in == StaffSignIn(
        "https://ads.agencia.com.br",
        "staff.apps.example",
        Secret(SECRET),
        "https://accounts.example.com",
    )
    assert staff.sign_in.redirect_uri == "https://ads.agencia.com.br/login/callback"
    assert staff.domains == {"agencia.com.br", "agencia.com"}
    assert staff.domain_role is Role.OPERATOR
    assert staff.break_glass is True
    assert (staff.session_idle, staff.session_max) == (timedelta(minutes=30), timedelta(days=1))
    assert staff.session_secret == Secret(SESSION_SECRET)
    assert SECRET not in repr(staff)
    assert SESSION_SECRET not in repr(staff)


def test_google_sign_in_needs_its_secret_and_a_public_url() -> None:
    message = _problems(MCC_STAFF_CLIENT_ID="staff.apps.example")

    assert "MCC_STAFF_CLIENT_SECRET is not set" in message
    assert "MCC_PUBLIC_URL is not set" in message


def test_google_sign_in_needs_https_but_on_loopback() -> None:
    message = _problems(
        MCC_STAFF_CLIENT_ID="staff.apps.example",
        MCC_STAFF_CLIENT_SECRET=SECRET,
        MCC_PUBLIC_URL="http://ads.agencia.com.br",
    )

    assert "MCC_PUBLIC_URL 'http://ads.agencia.com.br' must be an https:// address" in message
    assert SECRET not in message


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"MCC_STAFF_CLIENT_SECRET": SECRET}, "MCC_STAFF_CLIENT_SECRET is set but"),
        ({"MCC_STAFF_DOMAINS": "agencia.com.br"}, "MCC_STAFF_DOMAINS is set but"),
        ({"MCC_STAFF_DOMAINS": "@agencia.com.br"}, "'@agencia.com.br' is not a domain name"),
        ({"MCC_STAFF_DOMAINS": "localhost"}, "'localhost' is not a domain name"),
        ({"MCC_STAFF_DOMAIN_ROLE": "owner"}, "MCC_STAFF_DOMAIN_ROLE: unknown role 'owner'"),
        ({"MCC_STAFF_DOMAIN_ROLE": "admin"}, "MCC_STAFF_DOMAIN_ROLE cannot be admin"),
        ({"MCC_BREAK_GLASS": "sometimes"}, "MCC_BREAK_GLASS 'sometimes' is not a yes/no"),
        ({"MCC_SESSION_IDLE": "2 hours"}, "MCC_SESSION_IDLE: invalid duration '2 hours'"),
        ({"MCC_SESSION_IDLE": "1m"}, "MCC_SESSION_IDLE '1m' must be between 5m and 30d"),
        ({"MCC_SESSION_MAX": "90d"}, "MCC_SESSION_MAX '90d' must be between 5m and 30d"),
        ({"MCC_SESSION_IDLE": "13h"}, "MCC_SESSION_IDLE (13h) is longer than MCC_SESSION_MAX"),
        ({"MCC_SESSION_SECRET": "a" * 40}, "MCC_SESSION_SECRET does not look random"),
    ],
)
def test_a_wrong_value_is_named_with_its_fix(env: dict[str, str], problem: str) -> None:
    assert problem in _problems(**env)


def test_domains_with_a_client_id_but_no_secret_are_told_only_of_the_secret() -> None:
    message = _problems(
        MCC_STAFF_DOMAINS="agencia.com.br",
        MCC_STAFF_CLIENT_ID="staff.apps.googleusercontent.com",
        MCC_PUBLIC_URL="https://ads.agencia.com.br",
    )

    assert "MCC_STAFF_CLIENT_SECRET is not set" in message
    assert "MCC_STAFF_CLIENT_ID is not" not in message


def test_every_problem_comes_in_one_error() -> None:
    message = _problems(
        MCC_STAFF_DOMAIN_ROLE="admin",
        MCC_BREAK_GLASS="sometimes",
        MCC_SESSION_MAX="90d",
        MCC_SESSION_SECRET="short",
    )

    assert message.count("configuration problem(s)") == 1
    for name in (
        "MCC_STAFF_DOMAIN_ROLE",
        "MCC_BREAK_GLASS",
        "MCC_SESSION_MAX",
        "MCC_SESSION_SECRET",
    ):
        assert name in message
    assert "short" not in message.replace("too short", "")
