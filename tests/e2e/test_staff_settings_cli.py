"""The staff's sign-in settings on the command line: ``mcclink doctor`` shows them (never a
secret) and checks the provider; wrong ones make ``doctor`` and ``mcclink web`` exit 2 with
every problem in one error (issue #16)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import MCCLINK, Cli
from tests.e2e.test_settings_problems import assert_one_error_lists, run
from tests.web.test_serve import run_web

SECRET = "staff-client-secret-0123456789"
SESSION_SECRET = "Yh3kR9_vQ2mXw8Rt4Lp7Hn3Bc6Df1GjZ0-5qY9vK2m"
BAD = {
    "MCC_STAFF_CLIENT_SECRET": SECRET,
    "MCC_STAFF_DOMAINS": "agencia.com.br, not a domain",
    "MCC_STAFF_DOMAIN_ROLE": "admin",
    "MCC_BREAK_GLASS": "maybe",
    "MCC_SESSION_IDLE": "3d",
    "MCC_SESSION_MAX": "1d",
    "MCC_SESSION_SECRET": "short",
}
PROBLEMS = (
    "MCC_STAFF_CLIENT_SECRET is set but MCC_STAFF_CLIENT_ID is not",
    "MCC_STAFF_DOMAINS: 'not a domain' is not a domain name",
    "MCC_STAFF_DOMAINS is set but MCC_STAFF_CLIENT_ID is not",
    "MCC_STAFF_DOMAIN_ROLE cannot be admin",
    "MCC_BREAK_GLASS 'maybe' is not a yes/no value",
    "MCC_SESSION_IDLE (3d) is longer than MCC_SESSION_MAX (1d)",
    "MCC_SESSION_SECRET is too short",
)


def _staff_row(output: str) -> dict[str, object]:
    [row] = [check for check in json.loads(output) if check["check"] == "staff sign-in"]
    return dict(row)


def test_doctor_shows_how_staff_sign_in_and_checks_the_provider(
    sqlite_cli: Cli, home: Path
) -> None:
    env = sqlite_cli.env
    staff = Cli(
        home,
        {
            **env,
            "MCC_STAFF_CLIENT_ID": env["MCC_ONBOARDING_CLIENT_ID"],
            "MCC_STAFF_CLIENT_SECRET": SECRET,
            "MCC_STAFF_DOMAINS": "agencia.com.br",
            "MCC_SESSION_IDLE": "1h",
            "MCC_API_TOKEN": SESSION_SECRET,
        },
    )
    unreachable = Cli(home, {**staff.env, "MCC_OIDC_ISSUER": "http://127.0.0.1:9"})

    green = _staff_row(staff("doctor", "--json").stdout)
    red = unreachable("doctor", "--json", check=2).stdout

    assert green["ok"]
    detail = str(green["detail"])
    assert f"Google sign-in by {env['MCC_OIDC_ISSUER']}" in detail
    assert f"redirect URI {env['MCC_PUBLIC_URL']}/login/callback" in detail
    assert "verified accounts of agencia.com.br enter as viewer" in detail
    assert "break-glass MCC_API_TOKEN accepted only while mcclink has no user" in detail
    assert "sessions end after 1 h idle, 12 h at most" in detail
    assert "openid-configuration cannot be read" in str(_staff_row(red)["detail"])
    staff("users", "add", "ana@agencia.com.br", "--role", "admin")
    with_users = str(_staff_row(staff("doctor", "--json").stdout)["detail"])
    assert "break-glass MCC_API_TOKEN is set and now refused: mcclink has users" in with_users
    assert "set MCC_BREAK_GLASS=on to keep it" in with_users
    for secret in (SECRET, SESSION_SECRET):
        assert secret not in detail + red + with_users


def test_doctor_without_staff_settings_says_google_sign_in_is_optional(tmp_path: Path) -> None:
    done = run(tmp_path, MCCLINK, "doctor", "--json")

    row = _staff_row(done.stdout)
    assert row["ok"]
    assert "Google sign-in off (optional: set MCC_STAFF_CLIENT_ID" in str(row["detail"])
    assert "break-glass MCC_API_TOKEN not set" in str(row["detail"])


def test_doctor_lists_every_staff_setting_problem_in_one_error(tmp_path: Path) -> None:
    done = run(tmp_path, MCCLINK, "doctor", "--json", **BAD)

    assert done.returncode == 2
    row = _staff_row(done.stdout)
    assert not row["ok"]
    assert_one_error_lists(str(row["detail"]), *PROBLEMS)
    assert SECRET not in done.stdout + done.stderr


def test_mcclink_web_refuses_to_start_naming_every_staff_setting_problem(
    tmp_path: Path,
) -> None:
    code, output = run_web(tmp_path, env=BAD)

    assert code == 2
    assert_one_error_lists(output, *PROBLEMS)
    assert SECRET not in output


def test_mcclink_web_names_no_way_in_with_the_other_problems(tmp_path: Path) -> None:
    code, output = run_web(tmp_path, env={"MCC_CUSTOMER_ID": "12-34"})

    assert code == 2
    assert_one_error_lists(output, "nobody could sign in", "MCC_CUSTOMER_ID: invalid")
