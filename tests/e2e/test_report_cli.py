"""``mcclink report`` as a user runs it, in a subprocess, on a store with a known November
(``tests.report_sample``): every format, to a file and to stdout, and each bad input refused
with exit 2, its fix named and no file written."""

from __future__ import annotations

import csv
import json
import subprocess
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mcclink.ads.error_table import RULES
from mcclink.domain import CustomerId, utcnow
from mcclink.reports.metrics import build_report
from mcclink.reports.periods import Period
from mcclink.store import open_store
from mcclink.store.dynamodb import DynamoDBStore
from tests.e2e.conftest import MCCLINK, Cli
from tests.report_sample import FORMULA_NAME, MCC, NAMES, PERIOD, TOO_MANY, seed_november

OTHER_MCC = CustomerId.parse("987-654-3210")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _seeded(url: str, *managers: CustomerId) -> str:
    store = open_store(url, {})
    if isinstance(store, DynamoDBStore):
        store.create_tables()
    for manager in managers:
        seed_november(store, manager)
    store.close()
    return url


@pytest.fixture
def store_url(home: Path) -> str:
    """A SQLite store with the known November of ``MCC``."""
    return _seeded(f"sqlite:///{home / 'mcclink.db'}", MCC)


@pytest.fixture(params=["sqlite", pytest.param("dynamodb", marks=pytest.mark.dynamodb)])
def both_url(request: pytest.FixtureRequest, home: Path) -> str:
    """Each store (DynamoDB on the moto server) with the known November of two managers."""
    if request.param == "sqlite":
        return _seeded(f"sqlite:///{home / 'mcclink.db'}", MCC, OTHER_MCC)
    request.getfixturevalue("moto_endpoint")  # the session's AWS environment points at it
    url = f"dynamodb://?region=us-east-1&prefix=report{uuid.uuid4().hex[:8]}-"
    return _seeded(url, MCC, OTHER_MCC)


@pytest.fixture
def cli(home: Path, store_url: str) -> Cli:
    """The CLI on the seeded SQLite store, acting for ``MCC``."""
    return Cli(home, {"MCC_STORE": store_url, "MCC_CUSTOMER_ID": MCC.digits})


@pytest.fixture
def both_cli(home: Path, both_url: str) -> Cli:
    """The CLI on each store, acting for ``MCC``."""
    return Cli(home, {"MCC_STORE": both_url, "MCC_CUSTOMER_ID": MCC.digits})


def with_env(cli: Cli, home: Path, **env: str) -> Cli:
    return Cli(home, {**cli.env, **env})


def test_the_csv_sheet_opens_safely_with_a_formula_in_a_name(cli: Cli, home: Path) -> None:
    cli("report", "--period", PERIOD, "--format", "csv", "-o", str(home / "sheet.csv"))

    with (home / "sheet.csv").open(encoding="utf-8-sig", newline="") as sheet:
        rows = list(csv.DictReader(sheet))

    names = {row["customer_id"]: row["name"] for row in rows}
    assert names == {
        cid.dashed: ("'" + name if name == FORMULA_NAME else name) for cid, name in NAMES.items()
    }
    assert names["222-333-4444"] == '\'=HYPERLINK("http://x","y")'
    assert not [value for row in rows for value in row.values() if value.startswith(FORMULA_STARTS)]
    by_id = {row["customer_id"]: row for row in rows}
    assert by_id["222-333-4444"]["status"] == "PENDING"
    assert by_id["222-333-4444"]["invited_at"] == "2026-11-10 09:00"  # São Paulo time
    assert by_id["222-333-4444"]["days_pending"] == "20"
    assert by_id["333-444-5555"]["last_error"].startswith(TOO_MANY)
    assert {row["manager"] for row in rows} == {MCC.dashed}


def test_the_json_is_the_period_report(both_cli: Cli, both_url: str) -> None:
    body = json.loads(both_cli("report", "--period", PERIOD, "--format", "json").stdout)

    store = open_store(both_url, {})
    period = Period.parse(PERIOD, ZoneInfo("America/Sao_Paulo"))
    expected = build_report(store, MCC, period).to_dict()
    store.close()
    assert {**body, "generated_at": None} == {**expected, "generated_at": None}
    assert (body["sent"], body["accepted"], body["refused"]) == (3, 1, 1)


def test_the_html_report_has_its_parts_and_writes_dates_as_the_locale_does(
    cli: Cli, home: Path
) -> None:
    html = cli("report", "--period", PERIOD).stdout  # html is the default format

    assert html.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in html
    for heading in (
        "Summary",
        "Charts",
        "Changes in the period",
        "Still pending at the end of the period",
        "Errors and their fixes",
    ):
        assert f"<h3>{heading}</h3>" in html
    assert html.count("<svg") == 4
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)" in html
    assert FORMULA_NAME not in html  # never unescaped
    assert RULES[TOO_MANY].hint.split(":")[0] in html
    assert "10/11/2026 09:00" in html  # MCC_LOCALE defaults to pt-BR

    in_english = with_env(cli, home, MCC_LOCALE="en")
    english = in_english("report", "--period", PERIOD, "-o", str(home / "r.html"))
    assert english.stdout == ""
    assert "2026-11-10 09:00" in (home / "r.html").read_text(encoding="utf-8")


def test_a_pdf_is_the_html_report_printed_by_chromium(cli: Cli, home: Path) -> None:
    before = {p.name for p in home.iterdir()}

    cli("report", "--period", PERIOD, "--format", "pdf", "-o", str(home / "report.pdf"))

    data = (home / "report.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    assert b"/Type /Page" in data
    assert {p.name for p in home.iterdir()} - before == {"report.pdf"}


def test_a_pdf_goes_to_stdout_when_it_is_not_a_terminal(cli: Cli) -> None:
    done = subprocess.run(
        [MCCLINK, "report", "--period", PERIOD, "--format", "pdf"],
        capture_output=True,
        env=cli.env,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"%PDF-")


def test_a_running_period_is_reported_so_far(cli: Cli) -> None:
    month = Period.containing("month", utcnow(), ZoneInfo("America/Sao_Paulo"))

    html = cli("report", "--period", month.label).stdout

    assert ", so far (up to " in html
    assert "No link changed status in this period." in html


def test_every_manager_active_in_the_period_with_all(both_cli: Cli) -> None:
    every = ("report", "--period", PERIOD, "--all")

    reports = json.loads(both_cli(*every, "--format", "json").stdout)
    sheet = both_cli(*every, "--format", "csv").stdout
    html = both_cli(*every).stdout

    assert [r["mcc_customer_id"] for r in reports] == [MCC.digits, OTHER_MCC.digits]
    managers = [row["manager"] for row in csv.DictReader(sheet.lstrip("\ufeff").splitlines())]
    assert managers == [MCC.dashed] * 4 + [OTHER_MCC.dashed] * 4
    assert 'href="#mcc-9876543210"' in html
    assert html.count("<svg") == 8


def test_all_answers_a_json_list_even_when_one_manager_has_history(cli: Cli) -> None:
    body = json.loads(cli("report", "--period", PERIOD, "--all", "--format", "json").stdout)

    assert isinstance(body, list)
    assert [r["mcc_customer_id"] for r in body] == [MCC.digits]


def _refused(done_stderr: str, *phrases: str) -> None:
    for phrase in phrases:
        assert phrase in done_stderr, done_stderr
    assert "Traceback" not in done_stderr
    assert "Value error" not in done_stderr  # pydantic's wording, meaningless to a user


@pytest.mark.parametrize(
    ("args", "env", "phrases"),
    [
        (
            ("--period", "2026-13"),
            {},
            ("invalid period '2026-13'", "a month 2026-11, an ISO week 2026-W47"),
        ),
        (("--period", "novembro"), {}, ("invalid period 'novembro'", "2026-11-05")),
        (
            ("--period", PERIOD),
            {"MCC_TIMEZONE": "Mars/Olympus"},
            ("MCC_TIMEZONE 'Mars/Olympus' is not a time zone", "America/Sao_Paulo"),
        ),
        (
            ("--period", PERIOD, "--format", "pdf"),
            {"PATH": "/nonexistent"},
            ("none was found", "apt-get install chromium", "--format html"),
        ),
        (
            ("--period", PERIOD, "--format", "pdf"),
            {"MCC_CHROMIUM": "/nonexistent/chromium"},
            ("MCC_CHROMIUM '/nonexistent/chromium' is not a program", "/usr/bin/chromium"),
        ),
        (
            ("--period", PERIOD, "--mcc", "987-654-3210"),
            {},
            ("manager 987-654-3210 has no", "--mcc"),
        ),
        (("--period", PERIOD, "--mcc", "98-76"), {}, ("invalid Google Ads customer id",)),
        (("--period", PERIOD, "--all", "--mcc", MCC.dashed), {}, ("either --mcc or --all",)),
        (("--period", PERIOD), {"MCC_CUSTOMER_ID": ""}, ("no MCC given", "MCC_CUSTOMER_ID")),
        (("--period", "2099-01"), {}, ("has not started yet",)),
        (("--period", "2026-10", "--all"), {}, ("no manager has history in 2026-10",)),
        (
            ("--period", PERIOD, "--format", "xlsx"),
            {},
            ("--format': 'xlsx' is not a report format: give one of html, csv, json, pdf",),
        ),
        (("--period", PERIOD, "--pending-age", "soon"), {}, ("invalid duration 'soon'", "24h")),
    ],
    ids=[
        "month-13",
        "words",
        "unknown-zone",
        "no-browser",
        "browser-not-a-program",
        "unknown-manager",
        "bad-manager-id",
        "mcc-and-all",
        "no-manager",
        "future-period",
        "nobody-active",
        "unknown-format",
        "bad-pending-age",
    ],
)
def test_bad_input_exits_2_naming_the_fix_and_writes_nothing(
    cli: Cli, home: Path, args: tuple[str, ...], env: dict[str, str], phrases: tuple[str, ...]
) -> None:
    before = sorted(p.name for p in home.iterdir())

    done = with_env(cli, home, **env)("report", *args, "-o", str(home / "out.file"), check=2)

    _refused(done.stderr, *phrases)
    assert done.stdout == ""
    assert sorted(p.name for p in home.iterdir()) == before


def test_a_report_that_cannot_be_written_exits_2(cli: Cli, home: Path) -> None:
    done = cli("report", "--period", PERIOD, "-o", str(home / "missing" / "r.html"), check=2)
    _refused(done.stderr, "cannot write the report to", "No such file or directory")


def test_a_browser_that_fails_to_print_exits_1_and_writes_nothing(cli: Cli, home: Path) -> None:
    failing = with_env(cli, home, MCC_CHROMIUM="false")
    target = str(home / "r.pdf")
    done = failing("report", "--period", PERIOD, "--format", "pdf", "-o", target, check=1)
    _refused(done.stderr, "printed no PDF", "--format html")
    assert not (home / "r.pdf").exists()


def test_a_store_is_not_touched_by_a_refused_report(cli: Cli, home: Path) -> None:
    """A bad period is refused before the store is opened: a store path that does not exist
    yet is not created."""
    fresh = with_env(cli, home, MCC_STORE=f"sqlite:///{home / 'new.db'}")
    fresh("report", "--period", "bad", check=2)
    assert not (home / "new.db").exists()
