"""What the CLI prints from data: escaped, free of control characters, readable at 80 columns,
dated with the year (#14 items 10, 23, 24, 25)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from rich.console import Console

from mcclink.cli._common import clients_table, history_table, print_error, print_json, shown
from mcclink.cli._listing import plain_clients, printable
from mcclink.cli.links import links_table as google_links_table
from mcclink.cli.onboard import links_table
from mcclink.cli.webhooks import _problems_table
from mcclink.domain import (
    Client,
    CustomerId,
    HistoryEntry,
    LastError,
    LinkStatus,
    Operation,
    Outcome,
)
from mcclink.errors import ClientMovedAway, ClientNotFound, GoogleAdsError, InvalidCustomerId
from mcclink.onboarding import OnboardingLink
from mcclink.ports import GoogleLink
from mcclink.webhooks import DeliveryProblem

MCC = CustomerId.parse("123-456-7890")
WHEN = datetime(2026, 11, 29, 3, 4, 5, tzinfo=UTC)
LONG_CODE = "AuthorizationError.INVALID_CUSTOMER_ID_FOR_LOGIN_CUSTOMER_ID"
HOSTILE = "Acme [/] Ltd [link=https://evil.example]x[/link] \x1b]8;;https://evil\x07\x1b[2J\x9b31m"


def render(renderable: object, width: int) -> str:
    written = io.StringIO()
    console = Console(file=written, width=width, color_system=None, force_terminal=False)
    console.print(renderable)
    return written.getvalue()


def client(name: str = "Padaria São João", **changes: object) -> Client:
    return Client(CustomerId("1112223333"), MCC, name).evolve(
        status=LinkStatus.NOT_LINKED, status_changed_at=WHEN, **changes
    )


def entry(code: str | None = LONG_CODE, **changes: object) -> HistoryEntry:
    return HistoryEntry(
        CustomerId("1112223333"),
        MCC,
        Operation.CREATE_ACCOUNT,
        Outcome.FAILED if code else Outcome.SUCCESS,
        LinkStatus.NOT_LINKED,
        LinkStatus.UNLINKED,
        error_code=code,
        timestamp=WHEN,
        **changes,  # type: ignore[arg-type]
    )


def assert_no_raw_control(text: str) -> None:
    assert not [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) < 0xA0]


def test_data_is_never_markup_and_its_control_characters_are_visible_escapes() -> None:
    printed = render(shown(HOSTILE), 200)

    assert "Acme [/] Ltd [link=https://evil.example]x[/link]" in printed
    assert "\\x1b]8;;https://evil\\x07\\x1b[2J\\x9b31m" in printed
    assert_no_raw_control(printed)


def test_line_breaks_are_kept_only_where_a_message_may_have_them() -> None:
    assert printable("a\nb\tc") == "a\\nb\\tc"
    assert printable("a\nb\tc", lines=True) == "a\nb\\tc"
    assert printable("Açaí & Cia") == "Açaí & Cia"


def test_a_client_table_shows_a_hostile_name_and_its_title_as_plain_text() -> None:
    printed = render(clients_table([client(HOSTILE)], title=HOSTILE), 200)

    assert printed.count("Acme [/] Ltd") == 2
    assert "[link=https://evil.example]x[/link]" in printed
    assert_no_raw_control(printed)


def test_plain_listings_show_control_characters_as_escapes() -> None:
    printed = plain_clients([client("Evil\x1b[2J\x07Name\tLtda")], Console(width=120), "T\x1b")

    assert "Evil\\x1b[2J\\x07Name\\tLtda" in printed
    assert printed.startswith("T\\x1b\n")
    assert_no_raw_control(printed)


@pytest.mark.parametrize("width", [80, 100])
def test_a_client_table_keeps_its_error_code_whole_and_drops_the_date_when_narrow(
    width: int,
) -> None:
    error = LastError(LONG_CODE, "not allowed", None)
    rows = [client("Farmácia Bem-Estar do Bairro de São José", last_error=error)]

    printed = render(clients_table(rows), width)

    assert "INVALID_CUSTOMER_ID_FOR_LOGIN_CUSTOMER_ID" in printed
    assert max(len(line.rstrip()) for line in printed.splitlines()) <= width
    assert len(printed.strip().splitlines()) <= 8
    assert ("2026-11-29 03:04" in printed) is (width == 100)


def test_a_client_table_shows_every_column_with_the_year_when_wide() -> None:
    printed = render(clients_table([client()]), 200)

    assert "Changed (UTC)" in printed
    assert "2026-11-29 03:04" in printed


@pytest.mark.parametrize(
    ("code", "width", "statuses", "outcome"),
    [
        (LONG_CODE, 80, False, False),
        ("ManagerLinkError.ALREADY_MANAGED_IN_HIERARCHY", 80, True, False),
        (LONG_CODE, 140, True, True),
    ],
)
def test_history_keeps_codes_and_dates_whole_and_drops_columns_only_when_narrow(
    code: str, width: int, statuses: bool, outcome: bool
) -> None:
    printed = render(history_table([entry(code), entry(None)], title="History"), width)

    assert code.rsplit(".", 1)[-1] in printed
    assert "CREATE_ACCOUNT" in printed
    assert "2026-11-29 03:04:05" in printed
    assert ("NOT_LINKED" in printed) is statuses
    assert ("FAILED" in printed) is outcome
    assert max(len(line.rstrip()) for line in printed.splitlines()) <= width
    assert len(printed.strip().splitlines()) <= 9


def test_webhook_failures_take_a_few_lines_each_at_80_columns() -> None:
    message = (
        "HTTP 503 from https://hooks.example.com/mcclink/receiver: Service Unavailable, "
        "the receiver said to retry later"
    )
    problem = DeliveryProblem(entry(None), 3, WHEN, message, 503, WHEN)

    printed = render(_problems_table([problem, problem]), 80)

    assert max(len(line.rstrip()) for line in printed.splitlines()) <= 80
    assert len(printed.strip().splitlines()) <= 4 + 2 * 6
    assert "Service Unavailable," in printed
    assert "2026-11-29" in printed


def test_google_links_fit_80_columns() -> None:
    link = GoogleLink(MCC, CustomerId("1112223333"), 123456789, LinkStatus.PENDING, "r")

    printed = render(google_links_table([link] * 2), 80)

    assert "111-222-3333" in printed
    assert "PENDING" in printed
    assert max(len(line.rstrip()) for line in printed.splitlines()) <= 80


def test_onboarding_links_fit_80_columns_with_the_year() -> None:
    made = OnboardingLink(
        id="q3JxV0mN8bTz2WcA",
        mcc_customer_id=MCC,
        customer_id=None,
        secret_hash="0" * 64,
        created_at=WHEN,
        expires_at=WHEN.replace(day=30),
        created_by="cli:ana",
    )

    printed = render(links_table([made], WHEN, "Links"), 80)

    assert "q3JxV0mN8bTz2WcA" in printed
    assert "2026-11-30" in printed
    assert max(len(line.rstrip()) for line in printed.splitlines()) <= 80


def test_plain_listings_fit_80_columns() -> None:
    error = LastError("ManagerLinkError.TOO_MANY_MANAGERS", "too many", None)
    rows = [client("x" * 60, last_error=error), client()]

    printed = plain_clients(rows, Console(width=80, color_system=None), "Clients")

    assert max(len(line) for line in printed.splitlines()) <= 80
    assert "TOO_MANY_MANAGERS" in printed
    assert "Padaria São João" in printed


def test_json_output_has_no_raw_c1_control(capsys: pytest.CaptureFixture[str]) -> None:
    print_json({"name": "a\x9b31mb\x1b"})

    written = capsys.readouterr().out
    assert_no_raw_control(written)
    assert json.loads(written) == {"name": "a\x9b31mb\x1b"}


@pytest.mark.parametrize(
    ("error", "code", "fix"),
    [
        (ClientNotFound(MCC.digits, "1112223333"), "ClientNotFound", "mcclink clients add"),
        (
            ClientMovedAway(MCC.digits, "1112223333", "200-000-0001", "2026-12-01"),
            "ClientMovedAway",
            "--mcc 200-000-0001",
        ),
        (InvalidCustomerId("bad id"), "InvalidCustomerId", "correct the value"),
        (GoogleAdsError("no", code="ManagerLinkError.X"), "ManagerLinkError.X", "history"),
    ],
)
def test_an_error_with_json_is_one_object_on_stdout(
    capsys: pytest.CaptureFixture[str], error: Exception, code: str, fix: str
) -> None:
    print_error(error, as_json=True)  # type: ignore[arg-type]

    written = capsys.readouterr()
    body = json.loads(written.out)["error"]
    assert body["code"] == code
    assert body["message"] == str(error)
    assert fix in body["fix"]
    assert str(error) in written.err


def test_an_error_without_json_prints_nothing_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    print_error(InvalidCustomerId(f"bad {HOSTILE}"), as_json=False)

    written = capsys.readouterr()
    assert written.out == ""
    assert "[link=https://evil.example]" in written.err
    assert_no_raw_control(written.err)
