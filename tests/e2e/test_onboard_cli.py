"""End to end: ``mcclink onboard`` (link, list, revoke) and doctor's onboarding check, as a user
runs them against ``mcclink emulator serve``, on SQLite and DynamoDB."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from mcclink.onboarding import parse_token
from mcclink.store.tables import TableNames
from tests.e2e.conftest import Cli

PADARIA = "1112223333"


def everything_stored(cli: Cli) -> str:
    """Every byte the store holds, as text: the SQLite files, or every DynamoDB item."""
    url = cli.env["MCC_STORE"]
    if url.startswith("sqlite:///"):
        db = Path(url.removeprefix("sqlite:///"))
        return "".join(p.read_bytes().decode("latin-1") for p in db.parent.glob(f"{db.name}*"))
    prefix = parse_qs(urlsplit(url).query)["prefix"][0]
    dynamodb = boto3.session.Session().client("dynamodb", region_name="us-east-1")
    tables = TableNames.from_env({}, prefix=prefix).all()
    return json.dumps([dynamodb.scan(TableName=name)["Items"] for name in tables])


def secret_of(url: str) -> str:
    return parse_token(url.rsplit("/", 1)[1])[1]


def test_a_link_is_printed_once_listed_without_its_secret_and_revoked(cli: Cli) -> None:
    cli("clients", "add", "111-222-3333", "--name", "Padaria São João", "--no-invite")
    public_url = cli.env["MCC_PUBLIC_URL"]

    made = cli("onboard", "link", "111-222-3333")
    url = made.stdout.strip()
    general = cli.json("onboard", "link", "--expires", "12h")

    assert url.startswith(f"{public_url}/onboard/")
    assert "shown only now" in made.stderr
    assert set(general) == {"url", "id", "customer_id", "expires_at"}
    assert general["customer_id"] is None
    assert general["url"].startswith(f"{public_url}/onboard/{general['id']}.")
    expires = datetime.fromisoformat(general["expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(hours=12))) < timedelta(minutes=1)

    listed = cli.json("onboard", "list")
    assert [(link["id"], link["customer_id"], link["state"]) for link in listed] == [
        (general["id"], None, "active"),
        (parse_token(url.rsplit("/", 1)[1])[0], PADARIA, "active"),
    ]
    assert [link["customer_id"] for link in cli.json("onboard", "list", PADARIA)] == [PADARIA]
    table = cli("onboard", "list").stdout
    assert general["id"] in table
    assert "any account" in table
    assert "111-222-3333" in table

    revoked = cli("onboard", "revoke", general["id"])
    again = cli("onboard", "revoke", general["id"])

    assert "revoked at" in revoked.stdout
    assert "already revoked" in again.stdout
    states = {link["id"]: link["state"] for link in cli.json("onboard", "list")}
    assert states[general["id"]] == "revoked"
    secrets = [secret_of(url), secret_of(general["url"])]
    shown = [
        table,
        cli("onboard", "list", "--json").stdout,
        cli("onboard", "list").stdout,
        cli("history", "--since", "2000-01-01", "--json").stdout,
        everything_stored(cli),
    ]
    assert general["id"] in shown[-1]  # the dump is readable: the link is in it
    assert not [secret for secret in secrets for text in shown if secret in text]


@pytest.mark.parametrize("expires", ["abc", "-5d", "0", "5", "1d-"])
def test_a_bad_expiry_is_a_usage_error_naming_the_option(sqlite_cli: Cli, expires: str) -> None:
    refused = sqlite_cli("onboard", "link", "--expires", expires, check=2)

    assert "--expires" in refused.stderr
    assert "e.g. 30s, 10m, 24h" in refused.stderr
    assert sqlite_cli.json("onboard", "list") == []


def test_bad_input_exits_2_names_the_fix_and_writes_nothing(cli: Cli, home: Path) -> None:
    unknown = cli("onboard", "link", "222-333-4444", check=2)
    too_long = cli("onboard", "link", "--expires", "91d", check=2)
    no_such_link = cli("onboard", "revoke", "q3JxV0mN8bTz2WcA", check=2)
    malformed = cli("onboard", "link", "12-34", check=2)
    without_url = Cli(home, {k: v for k, v in cli.env.items() if k != "MCC_PUBLIC_URL"})
    unset = without_url("onboard", "link", check=2)

    assert "2223334444 is not registered" in unknown.stderr
    assert "mcclink clients add" in unknown.stderr
    assert "within 90 days" in too_long.stderr
    assert "q3JxV0mN8bTz2WcA" in no_such_link.stderr
    assert "mcclink onboard list" in no_such_link.stderr
    assert "12-34" in malformed.stderr
    assert "MCC_PUBLIC_URL is not set" in unset.stderr
    assert "e.g. https://" in unset.stderr
    assert cli.json("onboard", "list") == []


def test_doctor_checks_the_onboarding_settings_and_the_provider(
    sqlite_cli: Cli, home: Path
) -> None:
    env = sqlite_cli.env
    green = {check["check"]: check for check in sqlite_cli.json("doctor")}
    unreachable = Cli(home, {**env, "MCC_OIDC_ISSUER": "http://127.0.0.1:9"})
    half = Cli(home, {k: v for k, v in env.items() if k != "MCC_ONBOARDING_CLIENT_ID"})
    none = Cli(home, {k: v for k, v in env.items() if not k.startswith("MCC_ONBOARDING_")})
    none.env.pop("MCC_PUBLIC_URL")

    red_issuer = unreachable("doctor", check=2).stdout
    red_half = half("doctor", check=2).stdout
    optional = {check["check"]: check for check in none.json("doctor")}

    assert green["onboarding"]["ok"]
    assert env["MCC_OIDC_ISSUER"] in green["onboarding"]["detail"]
    assert f"{env['MCC_PUBLIC_URL']}/onboard/callback" in green["onboarding"]["detail"]
    assert "MCC_OIDC_ISSUER" in red_issuer
    assert "openid-configuration" in red_issuer
    assert "MCC_ONBOARDING_CLIENT_ID is not" in red_half
    assert optional["onboarding"]["ok"]
    assert "not configured" in optional["onboarding"]["detail"]
    secret = env["MCC_ONBOARDING_CLIENT_SECRET"]
    assert secret not in json.dumps(green) + red_issuer + red_half
