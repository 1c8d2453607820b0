"""End to end: ``mcclink users`` and ``mcclink tokens`` as a person runs them, in a subprocess,
on SQLite and on DynamoDB (the moto server). They call no Google, so no emulator runs."""

from __future__ import annotations

import os
import pty
import pwd
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mcclink.staff_service import Admission, Identity, StaffDirectory
from mcclink.store import open_store
from tests.e2e.conftest import MCCLINK, Cli
from tests.e2e.test_onboard_cli import everything_stored

ANA, JOAO, RITA = "ana@agencia.com.br", "joao@agencia.com.br", "rita@agencia.com.br"


@pytest.fixture(params=["sqlite", pytest.param("dynamodb", marks=pytest.mark.dynamodb)])
def staff(request: pytest.FixtureRequest, home: Path) -> Cli:
    """The CLI on each store, as the OS user ``ana`` (``MCCLINK_ACTOR``)."""
    if request.param == "sqlite":
        return Cli(home, {"MCC_STORE": f"sqlite:///{home / 'mcclink.db'}", "MCCLINK_ACTOR": "ana"})
    request.getfixturevalue("moto_endpoint")  # the session's AWS environment points at it
    url = f"dynamodb://?region=us-east-1&prefix=e2e{uuid.uuid4().hex[:8]}-"
    cli = Cli(home, {"MCC_STORE": url, "MCCLINK_ACTOR": "ana"})
    cli("tables", "create")
    return cli


def test_the_first_admin_is_added_then_users_are_listed_changed_signed_out_and_removed(
    staff: Cli,
) -> None:
    assert "no users yet" in staff("users", "list").stdout
    added = staff("users", "add", " Ana@Agencia.com.br ", "--role", "admin")
    joao = staff.json("users", "add", JOAO, "--role", "Viewer", "--name", "João [Silva]")

    assert f"{ANA} added as admin" in added.stdout
    assert joao["email"] == JOAO
    assert (joao["role"], joao["name"], joao["created_by"]) == ("viewer", "João [Silva]", "cli:ana")
    assert joao["last_sign_in_at"] is None

    promoted = staff("users", "set-role", JOAO, "--role", "operator")
    listed = staff.json("users", "list")
    table = staff("users", "list").stdout

    assert f"{JOAO} is now operator" in promoted.stdout
    assert [(u["email"], u["role"]) for u in listed] == [(ANA, "admin"), (JOAO, "operator")]
    assert "João [Silva]" in table  # as written: the brackets are not markup
    assert "never" in table  # neither has signed in
    assert "cli:ana" in table

    signed_out = staff.json("users", "sign-out", JOAO)
    removed = staff("users", "remove", JOAO, "--yes")

    assert signed_out == {"email": JOAO, "sessions_ended": 0}
    assert f"{JOAO} removed" in removed.stdout
    assert [u["email"] for u in staff.json("users", "list")] == [ANA]


def test_removing_a_user_revokes_their_tokens_for_good(staff: Cli) -> None:
    staff("users", "add", ANA, "--role", "admin")
    staff("users", "add", JOAO, "--role", "operator")
    made = staff.json("tokens", "create", "--name", "ci", "--role", "operator", "--owner", JOAO)

    removed = staff("users", "remove", JOAO, "--yes")
    staff("users", "add", JOAO, "--role", "operator")
    listed = staff.json("tokens", "list", "--all", "--owner", JOAO)

    assert f"{JOAO} removed: signed out, their tokens revoked" in removed.stdout
    assert "MCC_STAFF_DOMAINS" not in removed.stderr  # added by hand, not by a domain
    assert [(t["id"], t["state"]) for t in listed] == [(made["id"], "revoked")]
    assert staff.json("tokens", "list", "--owner", JOAO) == []


def test_removing_a_user_admitted_by_domain_says_the_domain_lets_them_back(staff: Cli) -> None:
    staff("users", "add", ANA, "--role", "admin")
    store = open_store(staff.env["MCC_STORE"])
    admission = Admission(frozenset({"agencia.com.br"}))
    StaffDirectory(store, "web").admit(Identity(RITA, True, "agencia.com.br", None, "1"), admission)
    store.close()

    removed = staff("users", "remove", RITA, "--yes")
    warning = " ".join(removed.stderr.split())

    assert f"{RITA} removed" in removed.stdout
    assert "entered as a member of agencia.com.br (MCC_STAFF_DOMAINS)" in warning
    assert "take agencia.com.br out of MCC_STAFF_DOMAINS" in warning


def test_a_token_is_printed_once_and_afterwards_only_its_prefix_appears(staff: Cli) -> None:
    made = staff("-v", "tokens", "create", "--name", "ci", "--role", "operator", "--expires", "90d")
    secret = made.stdout.strip()
    token_id = secret.split("_")[1]
    as_json = staff.json("tokens", "create", "--name", "zapier", "--role", "viewer")

    assert made.stdout == secret + "\n"  # stdout holds the token alone: TOKEN=$(...) keeps it
    assert secret.startswith(f"mcl_{token_id}_")
    assert f"API token mcl_{token_id} (ci, operator, owner cli:ana)" in made.stderr
    assert "cannot be shown again" in made.stderr
    assert secret not in made.stderr
    assert set(as_json) == {"token", "id", "name", "role", "owner", "expires_at"}
    assert (as_json["name"], as_json["role"], as_json["owner"]) == ("zapier", "viewer", "cli:ana")
    assert as_json["expires_at"] is None
    assert as_json["token"].startswith(f"mcl_{as_json['id']}_")

    listed = staff.json("tokens", "list")
    table = staff("-v", "tokens", "list")

    assert [t["prefix"] for t in listed] == [f"mcl_{as_json['id']}", f"mcl_{token_id}"]
    ci = listed[1]
    assert (ci["name"], ci["role"], ci["owner"], ci["state"]) == (
        "ci",
        "operator",
        "cli:ana",
        "active",
    )
    expires = datetime.fromisoformat(ci["expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=90))) < timedelta(minutes=1)
    assert ci["last_used_at"] is None
    assert "hash" not in ci
    assert f"mcl_{token_id}" in table.stdout

    revoked = staff("-v", "tokens", "revoke", secret)  # the whole token names it too

    assert f"API token mcl_{token_id} (ci) revoked at" in revoked.stdout
    secrets = [secret, as_json["token"], secret.rsplit("_", 1)[1], as_json["token"][-43:]]
    stored = everything_stored(staff)
    assert f"mcl_{token_id}"[4:] in stored  # the dump is readable: the token's id is in it
    seen = [
        table.stdout + table.stderr,
        revoked.stdout + revoked.stderr,
        staff("tokens", "list", "--all", "--json").stdout,
        staff("tokens", "list", "--all").stdout,
        staff("--mcc", "1234567890", "history", "--since", "2000-01-01", "--json").stdout,
        stored,
    ]
    assert not [s for s in secrets for text in seen if s in text]


def test_revoked_and_expired_tokens_are_listed_only_with_all(staff: Cli) -> None:
    short = staff.json("tokens", "create", "--name", "short", "--role", "viewer", "--expires", "1s")
    by_id = staff.json("tokens", "create", "--name", "by-id", "--role", "viewer")
    by_prefix = staff.json("tokens", "create", "--name", "by-prefix", "--role", "admin")
    kept = staff.json("tokens", "create", "--name", "kept", "--role", "operator")
    staff("tokens", "revoke", by_id["id"])
    staff("tokens", "revoke", f"mcl_{by_prefix['id']}")
    again = staff("tokens", "revoke", by_id["id"])
    time.sleep(
        max(0.0, (datetime.fromisoformat(short["expires_at"]) - datetime.now(UTC)).total_seconds())
    )

    active = staff("tokens", "list")
    every = {t["name"]: t["state"] for t in staff.json("tokens", "list", "--all")}

    assert "revoked at" in again.stdout  # revoking twice is no error; the first time stays
    assert [t["name"] for t in staff.json("tokens", "list")] == ["kept"]
    assert f"mcl_{kept['id']}" in active.stdout
    assert "3 revoked or expired token(s) not shown: --all shows them" in active.stdout
    assert every == {
        "short": "expired",
        "by-id": "revoked",
        "by-prefix": "revoked",
        "kept": "active",
    }
    table = staff("tokens", "list", "--all").stdout
    assert all(state in table for state in ("expired", "revoked", "active"))


def test_a_users_token_is_capped_by_their_role_and_listed_by_owner(staff: Cli) -> None:
    staff("users", "add", ANA, "--role", "admin")
    staff("users", "add", JOAO, "--role", "operator")

    too_high = staff(
        "tokens", "create", "--name", "ci", "--role", "admin", "--owner", JOAO, check=2
    )
    made = staff.json(
        "tokens", "create", "--name", "ci", "--role", "operator", "--owner", "JOAO@agencia.com.br"
    )
    staff("tokens", "create", "--name", "mine", "--role", "admin")

    assert f"{JOAO} is operator" in too_high.stderr
    assert "--role operator or lower" in too_high.stderr
    assert made["owner"] == JOAO
    assert [t["name"] for t in staff.json("tokens", "list", "--owner", JOAO)] == ["ci"]
    assert [t["name"] for t in staff.json("tokens", "list", "--owner", "cli:ana")] == ["mine"]


def test_without_a_login_variable_the_token_belongs_to_the_os_account(
    staff: Cli, home: Path
) -> None:
    unset = ("MCCLINK_ACTOR", "LOGNAME", "USER", "LNAME", "USERNAME")  # cron, a container
    anonymous = Cli(home, {k: v for k, v in staff.env.items() if k not in unset})
    account = f"cli:{pwd.getpwuid(os.getuid()).pw_name}"

    made = anonymous.json("tokens", "create", "--name", "cron", "--role", "viewer")

    assert made["owner"] == account
    assert [t["owner"] for t in anonymous.json("tokens", "list")] == [account]


def test_bad_input_exits_2_names_the_problem_and_the_fix_and_writes_nothing(staff: Cli) -> None:
    staff("users", "add", ANA, "--role", "admin")
    staff("users", "add", JOAO, "--role", "operator")
    kept = staff.json("tokens", "create", "--name", "kept", "--role", "viewer")
    before = (
        staff("users", "list", "--json").stdout,
        staff("tokens", "list", "--all", "--json").stdout,
    )
    # A token of no one, one character short: not to be echoed, only its id part.
    mistyped = "mcl_q3jxv0mn8btz_" + kept["token"][-43:-1]

    answers = {
        "unknown role": (
            ("users", "add", RITA, "--role", "boss"),
            ("Invalid value for --role", "unknown role 'boss'", "viewer, operator, admin"),
        ),
        "role missing": (("users", "add", RITA), ("Missing option '--role'",)),
        "malformed e-mail": (
            ("users", "add", "rita at agencia", "--role", "viewer"),
            ("invalid e-mail address 'rita at agencia'", "e.g. ana@agencia.com.br"),
        ),
        "duplicate user": (
            ("users", "add", JOAO.upper(), "--role", "viewer"),
            (f"{JOAO} is already a user", "mcclink users set-role"),
        ),
        "unknown user's role": (
            ("users", "set-role", RITA, "--role", "admin"),
            (f"{RITA} is not a user", "mcclink users list"),
        ),
        "removing an unknown user": (
            ("users", "remove", RITA, "--yes"),
            (f"{RITA} is not a user",),
        ),
        "signing out an unknown user": (("users", "sign-out", RITA), (f"{RITA} is not a user",)),
        "removing the last admin": (
            ("users", "remove", ANA, "--yes"),
            (f"{ANA} is the only admin", "make another user admin first"),
        ),
        "demoting the last admin": (
            ("users", "set-role", ANA, "--role", "operator"),
            (f"{ANA} is the only admin", "make another user admin first"),
        ),
        "removing without --yes and no terminal": (
            ("users", "remove", JOAO),
            ("no terminal to ask for confirmation", "pass --yes"),
        ),
        "bad --expires": (
            ("tokens", "create", "--name", "ci", "--role", "viewer", "--expires", "90 days"),
            ("Invalid value for --expires", "e.g. 30s, 10m, 24h"),
        ),
        "--expires over ten years": (
            ("tokens", "create", "--name", "ci", "--role", "viewer", "--expires", "999999999d"),
            ("at most 3650 days", "leave it out for a token that does not expire"),
        ),
        "a name with an escape sequence": (
            ("users", "add", RITA, "--role", "viewer", "--name", "Rita \x1b[31m"),
            ("the name holds U+001B, a control character", "remove it"),
        ),
        "malformed token name": (
            ("tokens", "create", "--name", "CI Token", "--role", "viewer"),
            ("invalid token name 'CI Token'", "e.g. ci or zapier"),
        ),
        "owner is no user": (
            ("tokens", "create", "--name", "ci", "--role", "viewer", "--owner", RITA),
            (f"{RITA} is not a user",),
        ),
        "role above the owner's": (
            ("tokens", "create", "--name", "ci", "--role", "admin", "--owner", JOAO),
            (f"{JOAO} is operator", "--role operator or lower"),
        ),
        "a name the owner already uses": (
            ("tokens", "create", "--name", "kept", "--role", "viewer"),
            (
                f"cli:ana already has a token named kept (mcl_{kept['id']})",
                "choose another name (--name), or revoke",
            ),
        ),
        "no token id": (
            ("tokens", "revoke", ""),
            ("no token id given", "mcclink tokens list"),
        ),
        "unknown token id": (
            ("tokens", "revoke", "mcl_q3jxv0mn8btz"),
            ("no API token has id 'q3jxv0mn8btz'", "mcclink tokens list"),
        ),
        "mistyped whole token": (
            ("tokens", "revoke", mistyped),
            ("no API token has id 'q3jxv0mn8btz'", "mcclink tokens list"),
        ),
    }
    failed, printed = {}, ""
    for case, (args, phrases) in answers.items():
        done = staff(*args, check=None)
        printed += done.stdout + done.stderr
        missing = [p for p in phrases if p not in done.stderr]
        if done.returncode != 2 or missing or "Traceback" in done.stderr:
            failed[case] = (done.returncode, missing, done.stderr)

    assert not failed, failed
    assert mistyped[-42:] not in printed  # the mistyped token's secret part was not echoed
    after = (
        staff("users", "list", "--json").stdout,
        staff("tokens", "list", "--all", "--json").stdout,
    )
    assert after == before


def test_with_json_a_refusal_is_also_the_documented_error_object(staff: Cli) -> None:
    staff("users", "add", ANA, "--role", "admin")

    last = staff.json("users", "remove", ANA, "--yes", check=2)

    assert last["error"]["code"] == "LastAdmin"
    assert "only admin" in last["error"]["message"]
    assert last["error"]["fix"]


def test_an_unreachable_store_exits_1(home: Path) -> None:
    cli = Cli(
        home,
        {
            "MCC_STORE": "dynamodb://?region=us-east-1&prefix=nowhere-",
            "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:9",
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "x",
            "AWS_MAX_ATTEMPTS": "1",
        },
    )

    refused = cli("users", "list", check=1)

    assert "DynamoDB could not be reached" in refused.stderr
    assert "Traceback" not in refused.stderr


def _at_a_terminal(cli: Cli, answer: str, *args: str) -> tuple[int, str]:
    """Run ``mcclink`` with its stdin on a terminal, answer its question, return the exit code
    and what it printed on stderr."""
    main, follower = pty.openpty()
    with subprocess.Popen(
        [MCCLINK, *args], stdin=follower, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=cli.env,
    ) as process:  # fmt: skip
        os.close(follower)
        os.write(main, answer.encode() + b"\n")
        _, stderr = process.communicate(timeout=60)
    os.close(main)
    return process.returncode, stderr


def test_at_a_terminal_remove_asks_first_and_a_no_keeps_the_user(home: Path) -> None:
    cli = Cli(home, {"MCC_STORE": f"sqlite:///{home / 'mcclink.db'}"})
    cli("users", "add", ANA, "--role", "admin")
    cli("users", "add", JOAO, "--role", "viewer")

    kept_code, kept = _at_a_terminal(cli, "n", "users", "remove", JOAO)
    users_after_no = [u["email"] for u in cli.json("users", "list")]
    gone_code, _ = _at_a_terminal(cli, "y", "users", "remove", JOAO)

    assert f"Remove {JOAO}?" in kept
    assert (kept_code, users_after_no) == (1, [ANA, JOAO])
    assert "nothing changed" in kept
    assert gone_code == 0
    assert [u["email"] for u in cli.json("users", "list")] == [ANA]


def test_the_tables_fit_80_columns_with_prefix_state_and_e_mail_whole(home: Path) -> None:
    narrow = Cli(home, {"MCC_STORE": f"sqlite:///{home / 'mcclink.db'}", "COLUMNS": "80"})
    maria = "maria.fernanda@agenciadigital.com.br"
    narrow("users", "add", maria, "--role", "admin", "--name", "Maria Fernanda de Albuquerque")
    made = narrow.json(
        "tokens", "create", "--name", "integracao-crm", "--role", "admin", "--owner", maria
    )

    tokens = narrow("tokens", "list").stdout
    users = narrow("users", "list").stdout

    assert max(len(line) for line in (tokens + users).splitlines()) <= 80
    assert f"mcl_{made['id']}" in tokens
    assert "active" in tokens
    assert maria in users
    assert "admin" in users


def test_at_a_terminal_an_unremovable_user_is_refused_before_the_question(home: Path) -> None:
    cli = Cli(home, {"MCC_STORE": f"sqlite:///{home / 'mcclink.db'}"})
    cli("users", "add", ANA, "--role", "admin")

    last_code, last_admin = _at_a_terminal(cli, "y", "users", "remove", ANA)
    unknown_code, unknown = _at_a_terminal(cli, "y", "users", "remove", RITA)

    assert (last_code, unknown_code) == (2, 2)
    assert "only admin" in last_admin
    assert f"{RITA} is not a user" in unknown
    assert "Remove" not in last_admin + unknown
    assert [u["email"] for u in cli.json("users", "list")] == [ANA]


def test_the_help_calls_the_address_email(home: Path) -> None:
    usage = Cli(home, {})("users", "add", "--help").stdout
    assert "Usage: mcclink users add [OPTIONS] {EMAIL}" in usage
